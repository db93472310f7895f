import { channel } from "node:diagnostics_channel";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Message on `outrigger:inbound:request`, published when a request reaches the inbound middleware (before it is
 * admitted or refused). `run` is the application's part (the handler, or the framework's `next`), run only if the
 * request is admitted, perhaps later (queued behind the concurrency cap). A subscriber may replace it by a
 * wrapper, e.g. to run it inside the trace context it extracted from the request's `traceparent`: that is how
 * @outrigger/telemetry opens its SERVER span without this package depending on OpenTelemetry. The response's
 * `close` event ends the request.
 */
export interface InboundRequestMessage {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  run: () => void;
}

/** The inbound middleware's channel; nothing is built while nobody subscribes. */
export const inboundChannels = {
  request: channel("outrigger:inbound:request"),
} as const;

/**
 * Publishes `request` (call it only when the channel has subscribers) and returns what to run for the application:
 * `next`, or the wrapper a subscriber put in its place.
 */
export function traceInbound(request: IncomingMessage, response: ServerResponse, next: () => void): () => void {
  const message: InboundRequestMessage = { request, response, run: next };
  inboundChannels.request.publish(message);
  return message.run;
}
