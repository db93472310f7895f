import type { CallContext, GiveUpMessage } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type { AttemptEndMessage, CallEndMessage, EjectionMessage, RetryMessage } from "@outrigger/loadbalancer";
import type {
  BreakerStateMessage,
  BudgetExhaustedMessage,
  HedgeMessage,
  RejectionMessage,
} from "@outrigger/resilience";
import { CHANNEL, type Listener } from "./channel-names.js";
import { LabelPairs } from "./label-pairs.js";
import { COUNTERS, type CounterName, type Labels, type MetricSink } from "./metric-sink.js";
import { ATTR, errorType, methodAttribute } from "./semconv.js";

/** A policy's message: the call it is about (core's `callOf`: the call even when the policy saw an attempt). */
type AboutCall = { readonly call: CallContext };

/**
 * The request path's metrics, from the same channels as the spans: `http.client.request.duration` per attempt
 * with the convention's attributes (http-metrics.md: method, server address and port, status code, error type;
 * plus `outrigger.service`), and Outrigger's counters. A policy's message names its call context, which carries
 * its service (`CallContext.service`; a call made without one counts under service "unknown"): nothing is kept
 * per call. Attribute objects are made once per label set and handed to the sink again (see `LabelPairs`).
 */
export class CallMetrics {
  readonly #sink: MetricSink;
  readonly #labels = new WeakMap<ServiceInstance, InstanceLabels>();
  readonly #pairs = {} as Record<CounterName, LabelPairs>;
  readonly #callPairs: LabelPairs;

  constructor(sink: MetricSink) {
    this.#sink = sink;
    for (const key of Object.keys(COUNTERS) as CounterName[])
      this.#pairs[key] = new LabelPairs((COUNTERS[key].labels as readonly string[])[1]);
    this.#callPairs = this.#pairs.calls;
  }

  /** The channel listeners that feed these metrics. */
  listeners(): Listener[] {
    const onPolicy =
      <M extends AboutCall>(counter: CounterName, value: (m: M) => string | undefined) =>
      (m: unknown) =>
        this.#count(counter, serviceOf((m as M).call), value(m as M));
    return [
      // The load balancer publishes a call's attempts and end only when its start has a subscriber.
      [CHANNEL.callStart, () => undefined],
      [CHANNEL.callEnd, (m) => this.#callEnd(m as CallEndMessage)],
      [CHANNEL.attemptEnd, (m) => this.#attemptEnd(m as AttemptEndMessage)],
      [CHANNEL.retry, (m) => this.#count("retries", (m as RetryMessage).service, (m as RetryMessage).reason)],
      [
        CHANNEL.ejection,
        (m) => this.#count("ejections", (m as EjectionMessage).instance.service, (m as EjectionMessage).reason),
      ],
      [CHANNEL.breaker, onPolicy("breakerTransitions", (m: BreakerStateMessage) => m.state)],
      [CHANNEL.rejected, onPolicy("rejections", (m: RejectionMessage) => m.policy)],
      [CHANNEL.hedge, onPolicy("hedges", (_m: HedgeMessage) => undefined)],
      [CHANNEL.budgetExhausted, onPolicy("budgetExhausted", (m: BudgetExhaustedMessage) => m.policy)],
      [CHANNEL.giveUp, (m) => this.#giveUp(m as GiveUpMessage)],
    ];
  }

  #count(counter: CounterName, service: string, value: string | undefined): void {
    this.#sink.count(counter, this.#pairs[counter].of(service, value));
  }

  #attemptEnd(m: AttemptEndMessage): void {
    const seconds = (performance.now() - m.attempt.startedAt) / 1000;
    this.#sink.duration(this.#attemptLabels(m), seconds);
  }

  /**
   * The attributes of an attempt's duration, one object per instance, method and result, made once: the sinks
   * find their series by the object itself instead of reading its labels on every attempt. A status decides the
   * error type (`"503"` for 503), so the status, or else the error type, names the result. Keyed by the method's
   * attribute (at most the convention's ten and `_OTHER`), so odd methods cannot grow the cache.
   */
  #attemptLabels(m: AttemptEndMessage): Labels {
    const { call, instance } = m.attempt;
    const method = methodAttribute(call.method);
    const result = m.status ?? errorType(undefined, m.error) ?? "";
    let entry = this.#labels.get(instance);
    if (entry === undefined) {
      entry = { byMethod: new Map(), last: undefined, lastMethod: "", lastResult: "" };
      this.#labels.set(instance, entry);
    }
    // Most attempts on an instance repeat the last one's method and result: its object, with no map lookup.
    const { last } = entry;
    if (
      last !== undefined &&
      entry.lastResult === result &&
      entry.lastMethod === method &&
      last[ATTR.service] === call.service
    )
      return last;
    let byResult = entry.byMethod.get(method);
    if (!byResult) {
      byResult = new Map();
      entry.byMethod.set(method, byResult);
    }
    let labels = byResult.get(result);
    // One instance object reached under two service names (two balancers over one instancer): the cache keeps the
    // latest service's object; a switch makes a fresh one, still counted under the right service.
    if (labels === undefined || labels[ATTR.service] !== call.service) {
      labels = {
        [ATTR.method]: method,
        [ATTR.serverAddress]: instance.host,
        [ATTR.serverPort]: instance.port,
        [ATTR.service]: call.service,
      };
      if (m.status !== undefined) labels[ATTR.status] = m.status;
      const errorAttr = errorType(m.status, m.error);
      if (errorAttr !== undefined) labels[ATTR.errorType] = errorAttr;
      byResult.set(result, labels);
    }
    entry.last = labels;
    entry.lastMethod = method;
    entry.lastResult = result;
    return labels;
  }

  #callEnd(m: CallEndMessage): void {
    const failed = errorType(m.status, m.error) !== undefined;
    // The calls' pairs read directly: every call ends here, and `#count`'s lookup by counter name is a keyed one.
    this.#sink.count("calls", this.#callPairs.of(m.call.service, failed ? "failure" : "success"));
  }

  #giveUp(m: GiveUpMessage): void {
    if (m.why !== "budget") return;
    this.#count("budgetExhausted", serviceOf(m.call), "retry");
  }
}

/**
 * One instance's attempt attributes: by method attribute, then by result (status, or error type), and the last
 * ones handed out with their key.
 */
interface InstanceLabels {
  readonly byMethod: Map<string, Map<number | string, Labels>>;
  last: Labels | undefined;
  lastMethod: string;
  lastResult: number | string;
}

/** The service a policy's call goes to, as the call declared it. */
function serviceOf(call: CallContext): string {
  return call.service ?? "unknown";
}
