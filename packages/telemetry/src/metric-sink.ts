/** The duration histogram's OpenTelemetry descriptor (http-metrics.md: `http.client.request.duration`, unit `s`). */
export const DURATION = {
  name: "http.client.request.duration",
  unit: "s",
  description: "Duration of HTTP client requests (each attempt of a load-balanced call).",
} as const;

/** The OpenTelemetry unit of a counter (UCUM annotations: calls are `{call}`, the rest `{event}`). */
export const counterUnit = (counter: CounterName): string => `{${counter === "calls" ? "call" : "event"}}`;

/** The counters telemetry keeps, by their OpenTelemetry names (Prometheus names replace dots by underscores). */
export const COUNTERS = {
  calls: {
    name: "outrigger.lb.calls",
    help: "Load-balanced calls (all their attempts), by service and outcome (success, failure).",
    labels: ["outrigger.service", "outcome"],
  },
  retries: {
    name: "outrigger.lb.retries",
    help: "Attempts sent again to another instance, by service and reason.",
    labels: ["outrigger.service", "outrigger.retry.reason"],
  },
  ejections: {
    name: "outrigger.lb.ejections",
    help: "Instances ejected by outlier detection, by service and reason.",
    labels: ["outrigger.service", "outrigger.ejection.reason"],
  },
  breakerTransitions: {
    name: "outrigger.resilience.breaker.transitions",
    help: "Circuit breaker state changes, by service and new state (closed, open, half-open).",
    labels: ["outrigger.service", "outrigger.breaker.state"],
  },
  rejections: {
    name: "outrigger.resilience.rejections",
    help: "Calls refused before any attempt, by service and policy (circuit-breaker, rate-limit).",
    labels: ["outrigger.service", "outrigger.policy"],
  },
  hedges: {
    name: "outrigger.resilience.hedges",
    help: "Hedged attempts sent, by service.",
    labels: ["outrigger.service"],
  },
  budgetExhausted: {
    name: "outrigger.resilience.budget_exhausted",
    help: "Retries or hedges refused by the retry budget, by service and policy (retry, hedge).",
    labels: ["outrigger.service", "outrigger.policy"],
  },
} as const;

/** One of the counters above. */
export type CounterName = keyof typeof COUNTERS;

/** Attribute values by name, as both exports take them. */
export type Labels = Record<string, string | number>;

/**
 * Where the request path's figures go: OpenTelemetry instruments or the Prometheus export. `series` gives the key
 * of one attempt's label set; the sink may keep state under it (the Prometheus sink keeps its buckets there).
 */
export interface MetricSink {
  /** One attempt's duration in seconds under its `http.client.request.duration` attributes. */
  duration(labels: Labels, seconds: number): void;
  /** Adds one to `counter` under `labels`. */
  count(counter: CounterName, labels: Labels): void;
}
