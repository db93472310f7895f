import type { IncomingHttpHeaders } from "node:http";
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { CHANNEL, type Listener } from "./channel-names.js";
import { ATTR, errorType } from "./semconv.js";

// What @outrigger/registry-server publishes (its registry-channels.ts), restated so telemetry never loads it.
interface Served {
  readonly headers: IncomingHttpHeaders;
  /** `performance.now()` ms when the request began. */
  readonly startedAt: number;
}
interface Register extends Served {
  readonly app: string;
  readonly id: string;
  readonly origin: string;
  readonly outcome: string;
}
interface Received extends Served {
  readonly tasks: number;
  readonly actions: Readonly<Record<string, number>>;
  readonly failed: number;
}
interface Watch extends Served {
  readonly app: string;
  readonly index: number;
  readonly answeredIndex: number;
  readonly changed: boolean;
}
interface Send {
  readonly peer: string;
  readonly tasks: number;
  readonly headers: Record<string, string>;
  readonly startedAt: number;
}
interface Sent {
  readonly send: Send;
  readonly status: number | undefined;
  readonly error: unknown;
}

// Both ends of a span are given as `performance.now()` readings: the OpenTelemetry JS SDK anchors them to the wall
// clock with one offset per span, so a duration is the monotonic clock's. An epoch start (timeOrigin + now) with a
// default end mixed clocks: the SDK ends a span with a given start at Date.now() (whole ms, and the wall clock can
// step), which fell before the start and was clamped to a zero duration (open-telemetry/opentelemetry-js#3279,
// #3434; opentelemetry-js-contrib#1209).

/**
 * Spans for the registry server's work, from its channels: `registry register` (SERVER: app, instance id,
 * origin, outcome), `registry replication receive` (SERVER: a peer's batch, its tasks by action and how many
 * failed), `registry replication send` (CLIENT: a batch to a peer, whose W3C context goes with it, so the
 * peer's receive span is its child) and `registry watch` (SERVER: one long-poll answer, from the request to the
 * answer, with the index asked and answered). Served requests continue the caller's trace from their headers.
 */
export class RegistryTracer {
  readonly #tracer: Tracer;
  readonly #sends = new WeakMap<Send, Span>();

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The channel listeners that feed this tracer. */
  listeners(): Listener[] {
    return [
      [CHANNEL.registryRegister, (m) => this.#register(m as Register)],
      [CHANNEL.registryReceived, (m) => this.#received(m as Received)],
      [CHANNEL.registryWatch, (m) => this.#watch(m as Watch)],
      [CHANNEL.registrySend, (m) => this.#send(m as Send)],
      [CHANNEL.registrySent, (m) => this.#sent(m as Sent)],
    ];
  }

  /** A span for a request already answered: from its start until now. */
  #served(name: string, m: Served, attributes: Attributes, error = false): void {
    const parent = propagation.extract(context.active(), m.headers);
    const span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes, startTime: m.startedAt }, parent);
    if (error) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(performance.now());
  }

  #register(m: Register): void {
    this.#served("registry register", m, {
      "outrigger.registry.app": m.app,
      [ATTR.instanceId]: m.id,
      "outrigger.registry.origin": m.origin,
      "outrigger.registry.outcome": m.outcome,
    });
  }

  #received(m: Received): void {
    const actions = Object.entries(m.actions).map(([action, n]) => `${action}:${n}`);
    const attributes: Attributes = {
      "outrigger.registry.replication.tasks": m.tasks,
      "outrigger.registry.replication.actions": actions.sort(),
      "outrigger.registry.replication.failed": m.failed,
    };
    this.#served("registry replication receive", m, attributes, m.failed > 0);
  }

  #watch(m: Watch): void {
    this.#served("registry watch", m, {
      "outrigger.registry.app": m.app,
      "outrigger.registry.watch.index": m.index,
      "outrigger.registry.watch.answered_index": m.answeredIndex,
      "outrigger.registry.watch.changed": m.changed,
    });
  }

  #send(m: Send): void {
    const attributes: Attributes = {
      "outrigger.registry.peer": m.peer,
      "outrigger.registry.replication.tasks": m.tasks,
    };
    const peer = /^[a-z]+:\/\/(\[[^\]]*\]|[^:/]*)(?::(\d+))?/.exec(m.peer);
    if (peer?.[1]) attributes[ATTR.serverAddress] = peer[1].replace(/^\[|\]$/g, "");
    if (peer?.[2]) attributes[ATTR.serverPort] = Number(peer[2]);
    const parent = context.active();
    const span = this.#tracer.startSpan(
      "registry replication send",
      { kind: SpanKind.CLIENT, attributes, startTime: m.startedAt },
      parent,
    );
    this.#sends.set(m, span);
    propagation.inject(trace.setSpan(parent, span), m.headers);
  }

  #sent(m: Sent): void {
    const span = this.#sends.get(m.send);
    if (!span) return;
    this.#sends.delete(m.send);
    if (m.status !== undefined) span.setAttribute(ATTR.status, m.status);
    const type = errorType(m.status, m.error);
    if (type !== undefined) {
      span.setAttribute(ATTR.errorType, type);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(performance.now());
  }
}
