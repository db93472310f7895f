import {
  type Attributes,
  type Context,
  context,
  INVALID_TRACEID,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { CallContext, GiveUpMessage } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type {
  AttemptEndMessage,
  AttemptMessage,
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
import { CallState } from "./call-state.js";
import { CHANNEL, type Listener } from "./channel-names.js";
import { ATTR, errorType, fullUrl, methodAttribute } from "./semconv.js";

/**
 * A traced call: its span, the context its attempts start under, how many attempts it sent, and the spans of its
 * attempts in flight — the latest in two fields (one at a time, but for hedges), others in a map made only then.
 */
interface TracedCall {
  readonly span: Span;
  readonly context: Context;
  sends: number;
  attempt: AttemptMessage | undefined;
  attemptSpan: Span | undefined;
  others: Map<AttemptMessage, Span> | undefined;
  /** The call's end was published; its state is let go once no attempt is in flight either. */
  ended: boolean;
}

/**
 * Spans for load-balanced calls, built from the request-path channels: one INTERNAL span per logical call (the
 * caller's active span is its parent) carrying Outrigger's decisions as events, and under it one CLIENT span per
 * attempt with the HTTP client span conventions (http-spans.md), whose context is injected into the attempt's
 * headers (W3C `traceparent`, `baggage`: whatever propagator the application registered). When the tracer does
 * not record (no SDK registered) a call is dropped at its first message: nothing else is built for it.
 */
export class CallTracer {
  readonly #tracer: Tracer;
  /** Each traced call's state, kept on its context (no map entry per call or per attempt: see CallState). */
  readonly #calls = new CallState<TracedCall>("outrigger.telemetry.call-tracer");
  /** The attempt whose end was last published: an ejection it causes follows synchronously (balancer.ts). */
  #endingInstance: ServiceInstance | undefined;
  #endingCall: TracedCall | undefined;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The channel listeners that feed this tracer. */
  listeners(): Listener[] {
    return [
      [CHANNEL.callStart, (m) => this.#callStart(m as CallMessage)],
      [CHANNEL.callEnd, (m) => this.#callEnd(m as CallEndMessage)],
      [CHANNEL.attemptStart, (m) => this.#attemptStart(m as AttemptMessage)],
      [CHANNEL.attemptEnd, (m) => this.#attemptEnd(m as AttemptEndMessage)],
      [CHANNEL.retry, (m) => this.#retry(m as RetryMessage)],
      [CHANNEL.ejection, (m) => this.#ejection(m as EjectionMessage)],
      [CHANNEL.breaker, (m) => this.#event(m as BreakerStateMessage, "outrigger.breaker.state_change", breakerAttrs)],
      [CHANNEL.rejected, (m) => this.#event(m as RejectionMessage, "outrigger.rejected", rejectionAttrs)],
      [CHANNEL.hedge, (m) => this.#event(m as HedgeMessage, "outrigger.hedge", hedgeAttrs)],
      [CHANNEL.budgetExhausted, (m) => this.#event(m as BudgetExhaustedMessage, BUDGET_EVENT, budgetAttrs)],
      [CHANNEL.giveUp, (m) => this.#giveUp(m as GiveUpMessage)],
    ];
  }

  #callStart(m: CallMessage): void {
    const parent = context.active();
    const attributes: Attributes = { [ATTR.service]: m.service, [ATTR.method]: methodAttribute(m.method) };
    if (m.rule !== undefined) attributes[ATTR.rule] = m.rule;
    const span = this.#tracer.startSpan(`${m.method} ${m.service}`, { kind: SpanKind.INTERNAL, attributes }, parent);
    // No SDK: the API's non-recording span with the invalid context (what trace.isSpanContextValid rules out,
    // without checking all 48 hex digits of both ids on every call a sampler drops): nothing to follow, nothing to
    // inject. A span the sampler dropped has a valid trace id, and its attempts still propagate it.
    if (!span.isRecording() && span.spanContext().traceId === INVALID_TRACEID) return;
    this.#calls.set(m.context, {
      span,
      context: trace.setSpan(parent, span),
      sends: 0,
      attempt: undefined,
      attemptSpan: undefined,
      others: undefined,
      ended: false,
    });
  }

  #callEnd(m: CallEndMessage): void {
    const call = this.#calls.get(m.call.context);
    if (!call || call.ended) return;
    call.ended = true;
    if (call.attempt === undefined && !call.others?.size) this.#calls.clear(m.call.context);
    finish(call.span, m.status, m.error);
  }

  #attemptStart(m: AttemptMessage): void {
    const call = this.#calls.get(m.call.context);
    if (!call || call.ended) return;
    const sends = call.sends++;
    const method = methodAttribute(m.call.method);
    // A call its sampler dropped: the attempt still needs a span context to propagate (sampled flag off), but
    // nobody will read its attributes, so none are built.
    const attributes = call.span.isRecording() ? samplingAttributes(m, method) : undefined;
    const span = this.#tracer.startSpan(
      method === "_OTHER" ? "HTTP" : method,
      { kind: SpanKind.CLIENT, attributes },
      call.context,
    );
    if (attributes !== undefined && span.isRecording()) setLaterAttributes(span, m, method, sends);
    if (call.attempt === undefined) {
      call.attempt = m;
      call.attemptSpan = span;
    } else {
      call.others ??= new Map();
      call.others.set(m, span);
    }
    propagation.inject(trace.setSpan(call.context, span), m.headers);
    // w3c/trace-context: tracestate belongs to the traceparent it came with. A new traceparent without one of
    // ours must not leave the caller's stale tracestate beside it (open-telemetry/opentelemetry-js-contrib#2796).
    if (m.headers.traceparent !== undefined && m.headers.tracestate === undefined) m.headers.tracestate = undefined;
  }

  #attemptEnd(m: AttemptEndMessage): void {
    const { context: callContext } = m.attempt.call;
    const call = this.#calls.get(callContext);
    if (!call) return;
    let span: Span | undefined;
    if (call.attempt === m.attempt) {
      span = call.attemptSpan;
      call.attempt = undefined;
      call.attemptSpan = undefined;
    } else {
      span = call.others?.get(m.attempt);
      call.others?.delete(m.attempt);
    }
    if (!span) return;
    // A hedge's losing attempt may end after its call did: the state goes with the last of them.
    if (call.ended && call.attempt === undefined && !call.others?.size) this.#calls.clear(callContext);
    finish(span, m.status, m.error);
    this.#endingInstance = m.attempt.instance;
    this.#endingCall = call.ended ? undefined : call;
  }

  #retry(m: RetryMessage): void {
    const call = m.call && this.#live(m.call.context);
    call?.span.addEvent("outrigger.retry", { "outrigger.retry.reason": m.reason, "outrigger.attempt": m.attempt });
  }

  #ejection(m: EjectionMessage): void {
    const call = this.#endingCall;
    const instance = this.#endingInstance;
    this.#endingCall = undefined;
    this.#endingInstance = undefined;
    if (call === undefined || instance !== m.instance) return;
    call.span.addEvent("outrigger.ejection", {
      [ATTR.instanceId]: m.instance.id,
      "outrigger.ejection.reason": m.reason,
      "outrigger.ejection.duration_ms": m.durationMs,
    });
  }

  #giveUp(m: GiveUpMessage): void {
    const call = this.#live(m.call);
    if (!call) return;
    call.span.setAttribute("outrigger.give_up.reason", m.why);
    if (m.why === "budget") call.span.addEvent(BUDGET_EVENT, { "outrigger.policy": "retry" });
  }

  #event<M extends { readonly call: CallContext }>(m: M, name: string, attrs: (m: M) => Attributes): void {
    this.#live(m.call)?.span.addEvent(name, attrs(m));
  }

  /** The call's state while its span is open (a message after its end has nothing left to annotate). */
  #live(callContext: CallContext): TracedCall | undefined {
    const call = this.#calls.get(callContext);
    return call?.ended ? undefined : call;
  }
}

/**
 * The CLIENT span's attributes a sampler is given (http-spans.md, "HTTP client span": `http.request.method`,
 * `server.address`, `server.port` and `url.full` "can be important for making sampling decisions and SHOULD be
 * provided at span creation time") for the attempt `m` of a call whose method attribute is `method`. The SDK copies
 * what `startSpan` is given twice before the span keeps it (`sanitizeAttributes` for the sampler, again after it),
 * so the span's other attributes are set on it afterwards (`setLaterAttributes`): the exported span is the same.
 */
export function samplingAttributes(m: AttemptMessage, method: string): Attributes {
  const { instance } = m;
  return {
    [ATTR.method]: method,
    [ATTR.serverAddress]: instance.host,
    [ATTR.serverPort]: instance.port,
    [ATTR.urlFull]: fullUrl(m.url),
  };
}

/** The CLIENT span's other attributes, set on the started `span` of attempt `m`, its `sends`-th resend (0: first). */
export function setLaterAttributes(span: Span, m: AttemptMessage, method: string, sends: number): void {
  const { instance } = m;
  span.setAttribute(ATTR.service, m.call.service);
  span.setAttribute(ATTR.instanceId, instance.id);
  if (method === "_OTHER") span.setAttribute(ATTR.methodOriginal, m.call.method);
  if (instance.zone !== undefined) span.setAttribute(ATTR.zone, instance.zone);
  // http-spans.md: resend_count is set on the second and later sends of one request, whatever the reason.
  if (sends > 0) span.setAttribute(ATTR.resendCount, sends);
}

const BUDGET_EVENT = "outrigger.retry_budget.exhausted";

const breakerAttrs = (m: BreakerStateMessage): Attributes => ({ "outrigger.breaker.state": m.state });
const rejectionAttrs = (m: RejectionMessage): Attributes =>
  m.retryAfterMs === undefined
    ? { "outrigger.policy": m.policy }
    : { "outrigger.policy": m.policy, "outrigger.retry_after_ms": m.retryAfterMs };
const hedgeAttrs = (m: HedgeMessage): Attributes => ({
  "outrigger.hedge": m.hedge,
  "outrigger.hedge.after_ms": m.afterMs,
});
const budgetAttrs = (m: BudgetExhaustedMessage): Attributes => ({ "outrigger.policy": m.policy });

/** Ends `span` with the answer's status, or as an error (http-spans.md: 4xx and 5xx are errors on a client span). */
function finish(span: Span, status: number | undefined, error: unknown): void {
  if (status !== undefined) span.setAttribute(ATTR.status, status);
  const type = errorType(status, error);
  if (type !== undefined) {
    span.setAttribute(ATTR.errorType, type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: status !== undefined && status >= 400 ? "" : type });
  }
  span.end();
}
