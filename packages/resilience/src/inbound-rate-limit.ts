import type { IncomingMessage, ServerResponse } from "node:http";
import type { RateLimiter } from "./rate-limiter.js";

/** Settings of inbound rate limiting. */
export interface InboundRateLimitOptions {
  readonly limiter: RateLimiter;
  /** Who is limited (default: the client's address). */
  readonly key?: (request: IncomingMessage) => string;
}

const byAddress = (request: IncomingMessage) => request.socket.remoteAddress ?? "unknown";

/** Whole seconds for `Retry-After` (RFC 9110 allows no fractions), at least 1 so clients do wait. */
function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/**
 * For `node:http`: resolves true when the request may proceed; otherwise it has answered 429 with `Retry-After`
 * and a JSON body `{code: "RESILIENCE_RATE_LIMITED"}`, and resolves false.
 */
export function createHttpRateLimit(options: InboundRateLimitOptions) {
  const key = options.key ?? byAddress;
  return async (request: IncomingMessage, response: ServerResponse): Promise<boolean> => {
    const admission = await options.limiter.acquire(key(request));
    if (admission.allowed) return true;
    const seconds = retryAfterSeconds(admission.retryAfterMs);
    response.writeHead(429, { "content-type": "application/json", "retry-after": seconds });
    response.end(
      JSON.stringify({ code: "RESILIENCE_RATE_LIMITED", message: `too many requests; retry after ${seconds} s` }),
    );
    return false;
  };
}

/** Express middleware answering 429 with `Retry-After` over the limit. */
export function createExpressRateLimit(options: InboundRateLimitOptions) {
  const check = createHttpRateLimit(options);
  return (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void): void => {
    check(request, response).then((ok) => ok && next(), next);
  };
}

/** Minimal shapes of fastify's request and reply, so fastify stays an optional peer. */
interface FastifyLikeRequest {
  readonly raw: IncomingMessage;
}
interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(body: unknown): unknown;
}

/** A fastify `onRequest` hook answering 429 with `Retry-After` over the limit: `app.addHook("onRequest", hook)`. */
export function createFastifyRateLimit(options: InboundRateLimitOptions) {
  const key = options.key ?? byAddress;
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<FastifyLikeReply | undefined> => {
    const admission = await options.limiter.acquire(key(request.raw));
    if (admission.allowed) return undefined;
    const seconds = retryAfterSeconds(admission.retryAfterMs);
    reply
      .code(429)
      .header("retry-after", seconds)
      .send({ code: "RESILIENCE_RATE_LIMITED", message: `too many requests; retry after ${seconds} s` });
    // An async hook that answers must return the reply, so fastify stops the request there.
    return reply;
  };
}
