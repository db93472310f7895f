import type { CallContext, GiveUpMessage } from "@outrigger/core";
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
    const { call, instance } = m.attempt;
    const labels: Labels = {
      [ATTR.method]: methodAttribute(call.method),
      [ATTR.serverAddress]: instance.host,
      [ATTR.serverPort]: instance.port,
      [ATTR.service]: call.service,
    };
    if (m.status !== undefined) labels[ATTR.status] = m.status;
    const type = errorType(m.status, m.error);
    if (type !== undefined) labels[ATTR.errorType] = type;
    this.#sink.duration(labels, seconds);
  }

  #callEnd(m: CallEndMessage): void {
    const failed = errorType(m.status, m.error) !== undefined;
    this.#sink.count("calls", { [ATTR.service]: m.call.service, outcome: failed ? "failure" : "success" });
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
