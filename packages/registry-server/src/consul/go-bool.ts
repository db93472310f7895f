/**
 * Go's `strconv.ParseBool`, which Consul uses for every boolean query parameter (`?passing=`, `?enable=`,
 * agent/health_endpoint.go `getBoolQueryParam`, agent/agent_endpoint.go `AgentServiceMaintenance`): `1 t T TRUE
 * true True` are true, `0 f F FALSE false False` are false, anything else (`yes`, `tRUE`) is undefined.
 */
export function parseGoBool(text: string): boolean | undefined {
  return GO_BOOLS.get(text);
}

const GO_BOOLS = new Map<string, boolean>([
  ...["1", "t", "T", "TRUE", "true", "True"].map((t) => [t, true] as const),
  ...["0", "f", "F", "FALSE", "false", "False"].map((t) => [t, false] as const),
]);

/**
 * The first value of a query parameter, as Go's `url.Values.Get` reads it: a repeated `?passing&passing=false`
 * reaches fastify as an array, and Consul looks at its first value only.
 */
export function firstValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === "string" || value === undefined ? value : value[0];
}
