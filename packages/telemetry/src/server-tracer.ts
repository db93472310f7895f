import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { CHANNEL, type Listener } from "./channel-names.js";
import { ATTR, methodAttribute, urlQuery } from "./semconv.js";

/**
 * What @outrigger/node's inbound middleware publishes on `outrigger:inbound:request` (its `InboundRequestMessage`,
 * restated here so telemetry never loads @outrigger/node): `run` is the application's part, which a subscriber
 * may wrap.
 */
interface InboundRequest {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  run: () => void;
}

/** `host` and `port` of a Host header (`orders:8080`, `[::1]:8080`, `orders`). */
function hostAndPort(host: string | undefined): { address?: string; port?: number } {
  if (!host) return {};
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!match) return {};
  const address = match[1]?.replace(/^\[|\]$/g, "");
  return match[2] === undefined ? { address } : { address, port: Number(match[2]) };
}

/**
 * SERVER spans for requests reaching @outrigger/node's inbound middleware (http-spans.md "HTTP server"): the
 * caller's W3C context is extracted from the request's headers with the application's propagator, so the span is
 * the child of the caller's CLIENT attempt span (one trace across processes), and the application's handler runs
 * inside it, so its own outbound calls are children of it in turn. A refused request (429, 503) gets its span too.
 * Named by the method alone: the route is the framework's, unknown to the middleware.
 */
export class ServerTracer {
  readonly #tracer: Tracer;

  constructor(tracer: Tracer) {
    this.#tracer = tracer;
  }

  /** The channel listener that feeds this tracer. */
  listeners(): Listener[] {
    return [[CHANNEL.inboundRequest, (m) => this.#request(m as InboundRequest)]];
  }

  #request(m: InboundRequest): void {
    const { request, response } = m;
    const parent = propagation.extract(context.active(), request.headers);
    const method = methodAttribute(request.method ?? "GET");
    const url = request.url ?? "/";
    const query = url.indexOf("?");
    const attributes: Attributes = {
      [ATTR.method]: method,
      "url.path": query < 0 ? url : url.slice(0, query),
      "url.scheme": (request.socket as { encrypted?: boolean }).encrypted ? "https" : "http",
      "network.protocol.version": request.httpVersion,
    };
    const redactedQuery = urlQuery(url);
    if (redactedQuery !== undefined) attributes[ATTR.urlQuery] = redactedQuery;
    if (method === "_OTHER") attributes[ATTR.methodOriginal] = request.method;
    const { address, port } = hostAndPort(request.headers.host);
    if (address !== undefined) attributes[ATTR.serverAddress] = address;
    if (port !== undefined) attributes[ATTR.serverPort] = port;
    if (request.socket.remoteAddress) attributes["client.address"] = request.socket.remoteAddress;
    const agent = request.headers["user-agent"];
    if (agent) attributes["user_agent.original"] = agent;
    const span = this.#tracer.startSpan(
      method === "_OTHER" ? "HTTP" : method,
      { kind: SpanKind.SERVER, attributes },
      parent,
    );
    const active = trace.setSpan(parent, span);
    const run = m.run;
    m.run = () => context.with(active, run);
    response.once("close", () => {
      const status = response.statusCode;
      span.setAttribute(ATTR.status, status);
      // http-spans.md: on a SERVER span only 5xx are errors (a 4xx is the caller's); a response that never
      // finished (the client went away) is one too.
      if (status >= 500 || !response.writableFinished) {
        span.setAttribute(ATTR.errorType, response.writableFinished ? String(status) : "_OTHER");
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
      span.end();
    });
  }
}
