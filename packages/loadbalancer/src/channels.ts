import { channel } from "node:diagnostics_channel";
import { type CallContext, statusOf } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { instanceUrl } from "./lb-url.js";
import type { Outcome } from "./outcome.js";
import type { EjectionReason } from "./outlier-detector.js";

/** Message on `outrigger:lb:pick`: an instance was picked for an attempt. */
export interface PickMessage {
  readonly instance: ServiceInstance;
}
/** Message on `outrigger:lb:outcome`: an attempt ended. */
export interface OutcomeMessage {
  readonly instance: ServiceInstance;
  readonly outcome: Outcome;
}
/** Message on `outrigger:lb:ejection`: the outlier detector took an instance out. */
export interface EjectionMessage {
  readonly instance: ServiceInstance;
  readonly reason: EjectionReason;
  readonly durationMs: number;
}
/** Message on `outrigger:lb:health`: active checks marked an instance healthy or unhealthy. */
export interface HealthMessage {
  readonly instance: ServiceInstance;
  readonly healthy: boolean;
}
/** Message on `outrigger:lb:retry`: the axios client tries another instance. */
export interface RetryMessage {
  readonly service: string;
  readonly attempt: number;
  readonly reason: string;
  /** The call retried, when it is traced (`outrigger:lb:call:start` has subscribers). */
  readonly call?: CallMessage;
}

/**
 * The load balancer's `diagnostics_channel` channels. Publishing costs nothing when nobody subscribes; the
 * Prometheus metrics (`@outrigger/loadbalancer/metrics`) are one subscriber.
 */
export const lbChannels = {
  pick: channel("outrigger:lb:pick"),
  outcome: channel("outrigger:lb:outcome"),
  ejection: channel("outrigger:lb:ejection"),
  retry: channel("outrigger:lb:retry"),
  health: channel("outrigger:lb:health"),
} as const;

/** Publishes `message` on `ch` only when someone listens. */
export function publish<T>(ch: (typeof lbChannels)[keyof typeof lbChannels], message: T): void {
  if (ch.hasSubscribers) ch.publish(message);
}

/**
 * Message on `outrigger:lb:call:start`: a balanced request begins (one per logical call, whatever its attempts).
 * The object itself identifies the call in the attempt and end messages; `context` is the call context the
 * policies receive, so a policy's channel message can be matched to its call.
 */
export interface CallMessage {
  readonly service: string;
  /** Upper case; GET when the caller gave none. */
  readonly method: string;
  /** The path and query after `lb://service`. */
  readonly path: string;
  readonly context: CallContext;
  /** The balancer's rule (`Balancer.ruleName`) when it names one. */
  readonly rule?: string;
  /** `performance.now()` when the call started, in ms (a subscriber's call latency needs no map of its own). */
  readonly startedAt: number;
}
/** Message on `outrigger:lb:call:end`: the call settled; `status` is the answer's, `error` set when it failed. */
export interface CallEndMessage {
  readonly call: CallMessage;
  readonly status: number | undefined;
  readonly error: unknown;
}
/**
 * Message on `outrigger:lb:attempt:start`, published just before an attempt is sent. `headers` starts empty and is
 * the one mutable part: what subscribers put there (W3C `traceparent`, `baggage`) is sent with this attempt,
 * replacing the caller's header of the same name; a name set to `undefined` removes the caller's header (a stale
 * `tracestate` must not travel beside a new `traceparent`).
 */
export interface AttemptMessage {
  readonly call: CallMessage;
  readonly instance: ServiceInstance;
  /** The URL sent to, as built from the instance (not redacted: subscribers that show it redact it). */
  readonly url: string;
  /** `performance.now()` when the attempt was sent, in ms. */
  readonly startedAt: number;
  readonly headers: Record<string, string | undefined>;
}
/** Message on `outrigger:lb:attempt:end`: the attempt's answer status, or its error (a retryable status held back has both). */
export interface AttemptEndMessage {
  readonly attempt: AttemptMessage;
  readonly status: number | undefined;
  readonly error: unknown;
}

/** The request-path channels for tracing: one call, its attempts. Nothing is built unless someone listens. */
export const lbTraceChannels = {
  callStart: channel("outrigger:lb:call:start"),
  callEnd: channel("outrigger:lb:call:end"),
  attemptStart: channel("outrigger:lb:attempt:start"),
  attemptEnd: channel("outrigger:lb:attempt:end"),
} as const;

/**
 * Publishes the start of a call; undefined (and nothing built) when nobody listens to it. Attempts and ends of
 * calls are published only for calls whose start was (subscribers listen to all four). `balancer` names its rule
 * in the message (read only when someone listens).
 */
export function traceCall(
  service: string,
  method: string | undefined,
  path: string,
  context: CallContext,
  balancer?: { readonly ruleName?: string },
): CallMessage | undefined {
  if (!lbTraceChannels.callStart.hasSubscribers) return undefined;
  const message: CallMessage = {
    service,
    method: method ? method.toUpperCase() : "GET",
    path,
    context,
    rule: balancer?.ruleName,
    startedAt: performance.now(),
  };
  lbTraceChannels.callStart.publish(message);
  return message;
}

/** Publishes the end of a traced call (no-op for an untraced one); the status defaults to the error's. */
export function endCall(call: CallMessage | undefined, error: unknown, status?: number): void {
  if (call === undefined || !lbTraceChannels.callEnd.hasSubscribers) return;
  const message: CallEndMessage = { call, status: status ?? statusOf(error), error };
  lbTraceChannels.callEnd.publish(message);
}

/** Publishes an attempt of a traced call on `instance`; the returned message's `headers` go with the request. */
export function traceAttempt(
  call: CallMessage | undefined,
  instance: ServiceInstance,
  path: string,
): AttemptMessage | undefined {
  const { attemptStart, attemptEnd } = lbTraceChannels;
  if (call === undefined || !(attemptStart.hasSubscribers || attemptEnd.hasSubscribers)) return undefined;
  const message: AttemptMessage = {
    call,
    instance,
    url: instanceUrl(instance, path),
    startedAt: performance.now(),
    headers: {},
  };
  if (attemptStart.hasSubscribers) attemptStart.publish(message);
  return message;
}

/** Publishes the end of a traced attempt (no-op for an untraced one); the status defaults to the error's. */
export function endAttempt(attempt: AttemptMessage | undefined, error: unknown, status?: number): void {
  if (attempt === undefined || !lbTraceChannels.attemptEnd.hasSubscribers) return;
  const message: AttemptEndMessage = { attempt, status: status ?? statusOf(error), error };
  lbTraceChannels.attemptEnd.publish(message);
}

/**
 * A transport's own attempt object (the undici path's `AttemptHandler`, which keeps no variable across its
 * callbacks): it carries its traced attempt's message from the start to the end, instead of a `WeakMap` entry per
 * attempt (an ephemeron the collector traces, and a hash for each fresh key).
 */
export interface TracedAttemptOwner {
  /** The attempt's message while its end is unpublished; undefined when it was not traced, or has ended. */
  traced: AttemptMessage | undefined;
}

/** `traceAttempt`, keeping the message on `owner` for `endAttemptOf`. */
export function traceAttemptOf(
  owner: TracedAttemptOwner,
  call: CallMessage | undefined,
  instance: ServiceInstance,
  path: string,
): AttemptMessage | undefined {
  const message = traceAttempt(call, instance, path);
  owner.traced = message;
  return message;
}

/** `endAttempt` for the attempt traced on `owner` (once; no-op when it was not traced). */
export function endAttemptOf(owner: TracedAttemptOwner, error: unknown, status?: number): void {
  const message = owner.traced;
  if (message === undefined) return;
  owner.traced = undefined;
  endAttempt(message, error, status);
}

type HeaderPairs = Iterable<readonly [string, string | string[] | undefined]>;

/**
 * undici dispatch options with a traced attempt's added headers (replacing any of the same name, in any case;
 * one set to undefined removes it);
 * the same object when there is nothing to add. undici takes headers as a record, a flat [name, value, …] array
 * or an iterable of pairs.
 */
export function withAttemptHeaders<T extends { headers?: unknown }>(
  options: T,
  attempt: AttemptMessage | undefined,
): T {
  const added = attempt?.headers;
  if (added === undefined) return options;
  const names = Object.keys(added);
  if (names.length === 0) return options;
  const replaced = new Set(names.map((n) => n.toLowerCase()));
  const flat: string[] = [];
  const keep = (name: string, value: unknown) => {
    if (replaced.has(name.toLowerCase()) || value === undefined) return;
    for (const v of Array.isArray(value) ? value : [value]) flat.push(name, String(v));
  };
  const { headers } = options;
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) keep(String(headers[i]), headers[i + 1]);
  else if (headers && typeof headers === "object" && Symbol.iterator in headers)
    for (const [name, value] of headers as HeaderPairs) keep(name, value);
  else if (headers && typeof headers === "object")
    for (const [name, value] of Object.entries(headers)) keep(name, value);
  for (const name of names) {
    const value = added[name];
    if (value !== undefined) flat.push(name, value);
  }
  return { ...options, headers: flat };
}
