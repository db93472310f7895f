// Conformance: open-telemetry/semantic-conventions docs/registry/attributes/url.md, notes on `url.full` and
// `url.query` — the values of `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`, `AWSAccessKeyId`,
// `Signature`, `sig` and `X-Goog-Signature` "SHOULD be redacted by default and replaced by the value `REDACTED`", the
// key kept — and docs/http/http-spans.md: `url.query` is Conditionally Required on an HTTP SERVER span ("if and only
// if one was received"), not an attribute of the CLIENT span, which carries the query inside `url.full`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { createLbDispatcher } from "@outrigger/loadbalancer/undici";
import { createInbound } from "@outrigger/node";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Instrumentation, instrumentOutrigger } from "./instrument.js";
import { balancerOver, loopbackServers, memoryTracing, registerGlobals } from "./otel.fixture.js";

registerGlobals();
const tracing = memoryTracing();
let instrumentation: Instrumentation;
beforeAll(() => {
  instrumentation = instrumentOutrigger({ tracerProvider: tracing.provider, metrics: false });
});
afterAll(() => instrumentation.close());
afterEach(() => tracing.exporter.reset());

const ofKind = (kind: SpanKind): ReadableSpan[] => tracing.spans().filter((s) => s.kind === kind);

describe("CLIENT span", () => {
  it("url.full of a presigned URL: X-Amz-*/X-Goog-* credentials REDACTED, keys and other parameters kept", async () => {
    const fleet = await loopbackServers(["a"]);
    const balancer = balancerOver([fleet.instance("a")]);
    const dispatcher = createLbDispatcher({ balancer: () => balancer });
    const query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fs3%2Faws4_request" +
      "&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEXAMPLE&X-Amz-SignedHeaders=host&X-Amz-Signature=7d3f1c2b9a" +
      "&x-goog-signature=abc123def&X%2DGoog%2DSignature=fed321cba";
    const answer = await request(`http://svc/bucket/a.pdf?${query}`, { dispatcher });
    expect(answer.statusCode).toBe(200);
    await answer.body.dump();
    await vi.waitFor(() => expect(ofKind(SpanKind.CLIENT)).toHaveLength(1));
    const attempt = ofKind(SpanKind.CLIENT)[0] as ReadableSpan;
    expect(attempt.attributes["url.full"]).toBe(
      `http://127.0.0.1:${fleet.ports.a}/bucket/a.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED` +
        "&X-Amz-Security-Token=REDACTED&X-Amz-SignedHeaders=host&X-Amz-Signature=REDACTED" +
        "&x-goog-signature=REDACTED&X%2DGoog%2DSignature=REDACTED",
    );
    // http-spans.md's CLIENT span has no url.query: the query is part of url.full.
    expect(attempt.attributes["url.query"]).toBeUndefined();
    await dispatcher.close();
    await fleet.close();
  });
});

describe("SERVER span", () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    const inbound = createInbound();
    server = createServer(inbound.nodeHandler((_request, response) => response.end("x")));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const serverSpanOf = async (path: string): Promise<ReadableSpan> => {
    await (await fetch(`${base}${path}`)).text();
    await vi.waitFor(() => expect(ofKind(SpanKind.SERVER)).toHaveLength(1));
    const span = ofKind(SpanKind.SERVER)[0] as ReadableSpan;
    tracing.exporter.reset();
    return span;
  };

  it("carries url.query, without its '?', with secret values REDACTED; none without a query (or an empty one)", async () => {
    const signed = await serverSpanOf("/orders?page=2&X-Amz-Signature=7d3f1c2b9a&AWSAccessKeyId=AKIA1&Signature=zz");
    expect(signed.attributes["url.path"]).toBe("/orders");
    expect(signed.attributes["url.query"]).toBe(
      "page=2&X-Amz-Signature=REDACTED&AWSAccessKeyId=REDACTED&Signature=REDACTED",
    );
    expect((await serverSpanOf("/orders?page=2")).attributes["url.query"]).toBe("page=2");
    const plain = await serverSpanOf("/orders");
    expect(plain.attributes["url.path"]).toBe("/orders");
    expect(plain.attributes).not.toHaveProperty("url.query");
    expect((await serverSpanOf("/orders?")).attributes).not.toHaveProperty("url.query");
  });
});
