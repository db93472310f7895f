// Field reports about retried request bodies and aborts, replayed against the lb undici dispatcher on loopback.
// The rule (nodejs/undici lib/handler/retry-handler.js, wrapRequestBody in lib/core/util.js): a retry sends the
// same bytes again, or is refused; it never sends a body that was already read (an empty or partial one).
import type { Server } from "node:http";
import { Readable } from "node:stream";
import { type Dispatcher, FormData, fetch as undiciFetch, request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver, ok, pairOf, unavailable } from "./undici-field-fixture.js";

/** Sends with a signal, aborts it with `reason` once `server` has the request, and returns what the send threw. */
async function abortOnArrival(server: Server, send: (signal: AbortSignal) => Promise<unknown>, reason: Error) {
  const controller = new AbortController();
  const pending = send(controller.signal).then(
    () => undefined,
    (error: unknown) => error,
  );
  await new Promise<void>((resolve) => server.once("request", () => resolve()));
  controller.abort(reason);
  return pending;
}

describe("retried request bodies (field reports)", () => {
  it("nodejs/undici#4691: a PUT whose body is FormData is retried after a 503 with the same bytes", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const form = new FormData();
    form.append("field", "test string");
    const response = await undiciFetch("http://svc/undici", { method: "PUT", body: form, dispatcher: lb.dispatcher });
    expect([response.status, await response.text()]).toEqual([200, "ok"]);
    const [first, second] = [a.seen.requests[0], b.seen.requests[0]];
    expect(first?.body.length).toBeGreaterThan(0);
    expect(second?.body.equals(first?.body as Buffer)).toBe(true);
    expect(second?.headers["content-type"]).toBe(first?.headers["content-type"]);
    await close();
  });

  it("nodejs/undici#4691 as reported: undici.request with a FormData PUT is retried after a 503 (a fresh boundary, the same fields)", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const form = new FormData();
    form.append("field", "test string");
    const response = await lb.dispatcher.request({ origin: "lb://svc", path: "/undici", method: "PUT", body: form });
    expect([response.statusCode, await response.body.text()]).toEqual([200, "ok"]);
    // undici writes FormData afresh on every send (a new boundary): the same parts, each with its own boundary.
    const parts = (r: (typeof a.seen.requests)[0] | undefined) => {
      const boundary = /boundary=(.+)$/.exec(String(r?.headers["content-type"]))?.[1] as string;
      return r?.body.toString().replaceAll(boundary, "BOUNDARY");
    };
    expect(parts(a.seen.requests[0])).toContain('name="field"\r\n\r\ntest string');
    expect(parts(b.seen.requests[0])).toBe(parts(a.seen.requests[0]));
    await close();
  });

  it("undici.request bodies undici sends again whole (Blob, ArrayBuffer, typed arrays, DataView, an array of chunks) are retried with the same bytes", async () => {
    const bytes = Buffer.from("0123456789abcdef");
    const bodies: [string, () => unknown][] = [
      ["Blob", () => new Blob([bytes])],
      ["ArrayBuffer", () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)],
      ["Uint16Array", () => new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))],
      ["DataView", () => new DataView(bytes.buffer, bytes.byteOffset, bytes.length)],
      ["array of chunks", () => [bytes.subarray(0, 6), bytes.subarray(6).toString()]],
    ];
    for (const [name, make] of bodies) {
      const { a, b, lb, close } = await pairOf(unavailable, ok);
      // undici 6's types list fewer body kinds than its runtime takes (lib/core/request.js).
      const body = make() as Dispatcher.DispatchOptions["body"];
      const response = await undiciRequest("http://svc/bytes", { method: "PUT", body, dispatcher: lb.dispatcher });
      expect([name, response.statusCode, await response.body.text()]).toEqual([name, 200, "ok"]);
      expect([name, a.seen.requests[0]?.body.toString()]).toEqual([name, bytes.toString()]);
      expect([name, b.seen.requests[0]?.body.toString()]).toEqual([name, bytes.toString()]);
      await close();
    }
  });

  it("a one-shot generator body is still read once: its retry is refused, never sent empty", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    function* chunks() {
      yield Buffer.from("only ");
      yield Buffer.from("once");
    }
    await expect(
      undiciRequest("http://svc/g", {
        method: "PUT",
        body: chunks() as unknown as Dispatcher.DispatchOptions["body"],
        dispatcher: lb.dispatcher,
      }),
    ).rejects.toMatchObject({ code: "LB_BODY_NOT_REPLAYABLE" });
    expect(a.seen.requests.map((r) => r.body.toString())).toEqual(["only once"]);
    expect(b.seen.requests).toEqual([]);
    await close();
  });

  it("nodejs/undici#3288 (Blob variant): a fetch PUT with a Blob body is retried with the same bytes", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const blob = new Blob([Buffer.alloc(4096, 7)], { type: "application/octet-stream" });
    const response = await undiciFetch("http://svc/blob", { method: "PUT", body: blob, dispatcher: lb.dispatcher });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(a.seen.requests[0]?.body.length).toBe(4096);
    expect(b.seen.requests[0]?.body.equals(Buffer.alloc(4096, 7))).toBe(true);
    await close();
  });

  it("axios/axios#11181: a PUT with a one-shot stream body is not retried with an empty body; the retry is refused", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    const body = Readable.from([Buffer.from("part one "), Buffer.from("part two")]);
    await expect(
      undiciRequest("http://svc/s", { method: "PUT", body, dispatcher: lb.dispatcher }),
    ).rejects.toMatchObject({ code: "LB_BODY_NOT_REPLAYABLE" });
    expect(a.seen.requests.map((r) => r.body.toString())).toEqual(["part one part two"]);
    expect(b.seen.requests).toEqual([]);
    await close();
  });

  it("axios/axios#11181 (async iterable): a fetch body of unknown length is sent once, never twice or empty", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok);
    async function* parts() {
      yield new TextEncoder().encode("alpha ");
      yield new TextEncoder().encode("beta");
    }
    const init = { method: "PUT", body: parts(), duplex: "half", dispatcher: lb.dispatcher } as const;
    await expect(undiciFetch("http://svc/i", init)).rejects.toMatchObject({
      cause: { code: "LB_BODY_NOT_REPLAYABLE" },
    });
    expect(a.seen.requests.map((r) => r.body.toString())).toEqual(["alpha beta"]);
    expect(b.seen.requests).toEqual([]);
    await close();
  });
});

describe("abort reasons (field reports)", () => {
  it("nodejs/undici#2590: fetch with AbortSignal.timeout rejects with its TimeoutError, not a generic AbortError", async () => {
    const hang = await fieldInstance(() => undefined);
    const lb = lbOver([hang.port]);
    const error = await undiciFetch("http://svc/slow", {
      dispatcher: lb.dispatcher,
      signal: AbortSignal.timeout(50),
    }).catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await hang.close();
  });

  it("nodejs/node#43874: a fetch aborted while a retry waits out its backoff rejects with the caller's reason", async () => {
    const { a, b, lb, close } = await pairOf(unavailable, ok, {
      retry: { maxAttempts: 2, initialDelayMs: 60_000, maxDelayMs: 60_000, random: () => 0.5 },
    });
    const reason = new Error("shutting down");
    const send = (signal: AbortSignal) => undiciFetch("http://svc/r", { dispatcher: lb.dispatcher, signal });
    expect(await abortOnArrival(a.server, send, reason)).toBe(reason);
    // No retry went out after the abort.
    expect(b.seen.requests).toEqual([]);
    await close();
  });

  it("nodejs/node#49557: undici.request aborted with a custom reason rejects with that very reason", async () => {
    const hang = await fieldInstance(() => undefined);
    const lb = lbOver([hang.port]);
    const reason = new Error("user navigated away");
    const send = (signal: AbortSignal) => undiciRequest("http://svc/slow", { dispatcher: lb.dispatcher, signal });
    expect(await abortOnArrival(hang.server, send, reason)).toBe(reason);
    expect(lb.balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await lb.close();
    await hang.close();
  });
});
