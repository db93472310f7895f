import type { RequestListener } from "node:http";
import {
  type ExpressMiddleware,
  expressMiddleware,
  type FastifyPluginLike,
  fastifyPlugin,
  nodeHandler,
} from "./adapters.js";
import { Admission } from "./admission.js";
import type { InboundOptions } from "./options.js";

export type {
  ExpressMiddleware,
  FastifyInstanceLike,
  FastifyPluginLike,
  FastifyReplyLike,
  FastifyRequestLike,
} from "./adapters.js";
export { InboundError, type InboundErrorCode, isInboundError } from "./errors.js";
export { type InboundRequestMessage, inboundChannels } from "./inbound-channel.js";
export type {
  BucketRateLimit,
  ConcurrencyOptions,
  InboundEvent,
  InboundOptions,
  LimiterRateLimit,
  RateLimitOptions,
  RejectReason,
} from "./options.js";

/** Inbound protection for one server: the same limits and drain state behind each framework's adapter. */
export interface Inbound {
  /** Wraps a node:http request listener: `http.createServer(inbound.nodeHandler(handler))`. */
  nodeHandler(handler: RequestListener): RequestListener;
  /** An express middleware; mount it first: `app.use(inbound.express())`. */
  express(): ExpressMiddleware;
  /** A fastify plugin covering every route of the instance: `app.register(inbound.fastify)`. */
  readonly fastify: FastifyPluginLike;
  /**
   * Stops admitting (new requests: 503 + `Connection: close`), closes keep-alive connections as they go idle, and
   * resolves when no admitted request is left. Idempotent. Bound the wait yourself (the grace period).
   */
  draining(): Promise<void>;
  /** Admitted requests whose response has not closed yet. */
  inFlight(): number;
  /**
   * Replaces the limits live (a limit left out is switched off; `onEvent`/`onRequest` left out are kept). Throws
   * OUTRIGGER_INVALID_OPTION and keeps the old settings when any option is bad. Requests already running stay
   * counted; an adaptive limit keeps what it learned unless its settings change.
   */
  setOptions(options: InboundOptions): void;
}

/**
 * Creates inbound protection, the one HTTP middleware of Outrigger for node:http, express and fastify: a rate limit
 * (429 + `Retry-After`, RFC 6585 §4 and RFC 9110 §10.2.3) — a token bucket in this process, or a
 * `@outrigger/resilience` `RateLimiter` per client key (in memory, or shared through Redis) — a fixed or adaptive (Vegas, from `@outrigger/resilience`) cap on requests in flight (503), and drain for graceful
 * shutdown (Spring Boot's `server.shutdown=graceful`, Envoy's drain). Throws OUTRIGGER_INVALID_OPTION on a bad option.
 */
export function createInbound(options?: InboundOptions): Inbound {
  const admission = new Admission(options);
  const plugin = fastifyPlugin(admission);
  return {
    nodeHandler: (handler) => nodeHandler(admission, handler),
    express: () => expressMiddleware(admission),
    fastify: plugin,
    draining: () => admission.draining(),
    inFlight: () => admission.inFlight,
    setOptions: (next) => admission.setOptions(next),
  };
}
