import type { CallContext, GiveUpMessage } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type {
  AttemptEndMessage,
  CallEndMessage,
  CallMessage,
  EjectionMessage,
  RetryMessage,
} from "@outrigger/loadbalancer";
import type {
  BreakerStateMessage,
  BudgetExhaustedMessage,
  HedgeMessage,
  RejectionMessage,
} from "@outrigger/resilience";
import { CHANNEL, type Listener } from "./channel-names.js";
import type { CounterName, Labels, MetricSink } from "./metric-sink.js";
import { ATTR, errorType, methodAttribute } from "./semconv.js";
import { MAX_SERIES } from "./series-by-labels.js";

/** A policy's message: the call it is about. */
type AboutCall = { readonly call: CallContext };

/**
 * The request path's metrics, from the same channels as the spans: `http.client.request.duration` per attempt
 * with the convention's attributes (http-metrics.md: method, server address and port, status code, error type;
 * plus `outrigger.service`), and Outrigger's counters. Policy messages name their call context; the service comes
 * from the call's start message (a call that was never seen counts under service "unknown").
 */
export class CallMetrics {
  readonly #sink: MetricSink;
  readonly #services = new WeakMap<CallContext, string>();
  readonly #labels = new WeakMap<ServiceInstance, Map<string, Map<number | string, Labels>>>();
  readonly #callLabels = new Map<string, readonly [success: Labels, failure: Labels]>();

  constructor(sink: MetricSink) {
    this.#sink = sink;
  }

  /** The channel listeners that feed these metrics. */
  listeners(): Listener[] {
    const onPolicy =
      <M extends AboutCall>(counter: CounterName, labels: (m: M) => Labels) =>
      (m: unknown) =>
        this.#sink.count(counter, { [ATTR.service]: this.#serviceOf((m as M).call), ...labels(m as M) });
    return [
      [CHANNEL.callStart, (m) => this.#services.set((m as CallMessage).context, (m as CallMessage).service)],
      [CHANNEL.callEnd, (m) => this.#callEnd(m as CallEndMessage)],
      [CHANNEL.attemptEnd, (m) => this.#attemptEnd(m as AttemptEndMessage)],
      [CHANNEL.retry, (m) => this.#retry(m as RetryMessage)],
      [CHANNEL.ejection, (m) => this.#ejection(m as EjectionMessage)],
      [
        CHANNEL.breaker,
        onPolicy("breakerTransitions", (m: BreakerStateMessage) => ({ "outrigger.breaker.state": m.state })),
      ],
      [CHANNEL.rejected, onPolicy("rejections", (m: RejectionMessage) => ({ "outrigger.policy": m.policy }))],
      [CHANNEL.hedge, onPolicy("hedges", (_m: HedgeMessage) => ({}))],
      [
        CHANNEL.budgetExhausted,
        onPolicy("budgetExhausted", (m: BudgetExhaustedMessage) => ({ "outrigger.policy": m.policy })),
      ],
      [CHANNEL.giveUp, (m) => this.#giveUp(m as GiveUpMessage)],
    ];
  }

  #serviceOf(call: CallContext): string {
    return this.#services.get(call) ?? "unknown";
  }

  #attemptEnd(m: AttemptEndMessage): void {
    const seconds = (performance.now() - m.attempt.startedAt) / 1000;
    this.#sink.duration(this.#attemptLabels(m), seconds);
  }

  /**
   * The attributes of an attempt's duration, one object per instance, method and result, made once: the sinks
   * find their series by the object itself instead of reading its labels on every attempt. A status decides the
   * error type (`"503"` for 503), so the status, or else the error type, names the result.
   */
  #attemptLabels(m: AttemptEndMessage): Labels {
    const { call, instance } = m.attempt;
    const type = m.status === undefined ? errorType(undefined, m.error) : undefined;
    const result = m.status ?? type ?? "";
    let byMethod = this.#labels.get(instance);
    if (!byMethod) {
      byMethod = new Map();
      this.#labels.set(instance, byMethod);
    }
    let byResult = byMethod.get(call.method);
    if (!byResult) {
      byResult = new Map();
      byMethod.set(call.method, byResult);
    }
    let labels = byResult.get(result);
    if (labels) return labels;
    labels = {
      [ATTR.method]: methodAttribute(call.method),
      [ATTR.serverAddress]: instance.host,
      [ATTR.serverPort]: instance.port,
      [ATTR.service]: call.service,
    };
    if (m.status !== undefined) labels[ATTR.status] = m.status;
    const errorAttr = errorType(m.status, m.error);
    if (errorAttr !== undefined) labels[ATTR.errorType] = errorAttr;
    byResult.set(result, labels);
    return labels;
  }

  #callEnd(m: CallEndMessage): void {
    const failed = errorType(m.status, m.error) !== undefined;
    const { service } = m.call;
    // Policies publish during the call, never after its end: the entry goes now rather than at a later GC (a
    // WeakMap entry left for the collector costs every scavenge until then).
    this.#services.delete(m.call.context);
    let labels = this.#callLabels.get(service);
    if (!labels) {
      // Bounded like the series themselves: past the cap a service's labels are made afresh each time.
      labels = [
        { [ATTR.service]: service, outcome: "success" },
        { [ATTR.service]: service, outcome: "failure" },
      ];
      if (this.#callLabels.size < MAX_SERIES) this.#callLabels.set(service, labels);
    }
    this.#sink.count("calls", labels[failed ? 1 : 0]);
  }

  #retry(m: RetryMessage): void {
    this.#sink.count("retries", { [ATTR.service]: m.service, "outrigger.retry.reason": m.reason });
  }

  #ejection(m: EjectionMessage): void {
    this.#sink.count("ejections", { [ATTR.service]: m.instance.service, "outrigger.ejection.reason": m.reason });
  }

  #giveUp(m: GiveUpMessage): void {
    if (m.why !== "budget") return;
    this.#sink.count("budgetExhausted", { [ATTR.service]: this.#serviceOf(m.call), "outrigger.policy": "retry" });
  }
}
