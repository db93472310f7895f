import { deepEqual, lookupPath, withPath } from "./config-path.js";
import { ConfigError } from "./errors.js";
import type { ConfigSchema } from "./schema.js";
import { explainIssues } from "./schema-issues.js";

/** A restart-only key whose new value waits for a restart; the live value stays. */
export interface RestartRequired {
  readonly path: string;
  /** The value the process keeps using until it restarts. */
  readonly liveValue: unknown;
  /** The value on disk now, applied by the next start. */
  readonly pendingValue: unknown;
}

/** What a reload would apply: the data with restart-only keys held back, its typed value, what waits. */
export interface ApplyPlan<T> {
  readonly data: Record<string, unknown>;
  readonly value: T;
  readonly restartRequired: readonly RestartRequired[];
}

type Sources = ReadonlyArray<{ readonly name: string; readonly parsed?: unknown }>;

function parse<T>(schema: ConfigSchema<T>, data: Record<string, unknown>, sources: Sources): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const { issues, summary } = explainIssues(result.error.issues);
  const path = issues[0]?.path ?? "";
  // The file at fault is the one with the last word on that path (node-config's precedence).
  const file = [...sources].reverse().find((s) => lookupPath(s.parsed, path) !== undefined)?.name;
  const where = file ? `set by ${file}` : "which no file sets";
  throw new ConfigError(
    "CONFIG_INVALID",
    `Config path "${path}" ${where}: ${summary}: fix it (the last good config stays)`,
    { file, path },
  );
}

/**
 * Validates a loaded configuration and plans its apply: the whole new configuration must pass the schema (a
 * restart would use it), restart-only keys keep their live values, and the result must pass again.
 * Throws CONFIG_INVALID naming the file and path at fault; nothing is applied then.
 */
export function planApply<T>(
  schema: ConfigSchema<T>,
  data: Record<string, unknown>,
  sources: Sources,
  live: Record<string, unknown> | undefined,
  restartOnly: readonly string[],
): ApplyPlan<T> {
  const full = parse(schema, data, sources);
  if (!live) return { data, value: full, restartRequired: [] };
  const restartRequired: RestartRequired[] = [];
  let held = data;
  for (const path of restartOnly) {
    const liveValue = lookupPath(live, path);
    const pendingValue = lookupPath(data, path);
    if (deepEqual(liveValue, pendingValue)) continue;
    restartRequired.push({ path, liveValue, pendingValue });
    held = withPath(held, path, liveValue);
  }
  return restartRequired.length === 0
    ? { data, value: full, restartRequired }
    : { data: held, value: parse(schema, held, sources), restartRequired };
}
