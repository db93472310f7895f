// nodejs/node#54366 (and #12339, #38467): a server answers a large POST early — 413, 401, a load-shedding 503 —
// without reading the body, and closes. The client must hand the caller that answer (or, if the transport lost it,
// an error), never send the POST to another instance: its bytes reached a server that may have acted on them.
// Real loopback instances; 8 MiB bodies, so the answer comes while the body is still being written.
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { request as undiciRequest } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios, type LbAxiosTransport } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { lbOver } from "./undici-field-fixture.js";

const BODY = Buffer.alloc(8 * 1024 * 1024, 0x61);
/** Requests the second instance received: none may arrive. */
let second: { server: Server; port: number; requests: number };
let early: { server: Server; port: number; requests: number };

async function listen(handler: RequestListener): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

beforeAll(async () => {
  // Answers at once, reading nothing, and closes: what HAProxy does with a 401 (the report) or a limit does with 413.
  const a = await listen((_request, response) => {
    early.requests += 1;
    response.writeHead(413, { connection: "close", "content-type": "text/plain" }).end("too large");
  });
  early = { ...a, requests: 0 };
  const b = await listen((request, response) => {
    second.requests += 1;
    request.resume();
    request.on("end", () => response.end("ok"));
  });
  second = { ...b, requests: 0 };
});

afterAll(async () => {
  for (const { server } of [early, second]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** The status the caller got, or the code of the error it got instead. */
type Outcome = { status: number } | { code: string };

const ROUNDS = 4;

/** Each call on a fresh client whose round robin starts at the instance that answers early. */
async function outcomes(call: () => Promise<Outcome>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < ROUNDS; i++) out.push(await call());
  return out;
}

function expectAnsweredThere(seen: Outcome[], secondBefore: number): void {
  // The answer reaches the caller (a transport that lost it to the reset may report an error instead, but never a
  // retry): the POST's bytes went to a server that may have acted on them, so no other instance is asked.
  expect(seen.some((s) => "status" in s && s.status === 413)).toBe(true);
  for (const s of seen) if ("status" in s) expect(s.status).toBe(413);
  expect(second.requests - secondBefore).toBe(0);
}

describe("an instance that answers a large POST before reading it (nodejs/node#54366)", () => {
  it("createLbDispatcher (undici.request): the caller gets the 413, the other instance nothing", async () => {
    const before = second.requests;
    const seen = await outcomes(async () => {
      const lb = lbOver([early.port, second.port], { retry: { maxAttempts: 3 } });
      try {
        const r = await undiciRequest("http://svc/upload", { method: "POST", body: BODY, dispatcher: lb.dispatcher });
        await r.body.text();
        return { status: r.statusCode };
      } catch (error) {
        return { code: String((error as { code?: string }).code) };
      } finally {
        await lb.close();
      }
    });
    expectAnsweredThere(seen, before);
  });

  const transports: LbAxiosTransport[] = ["undici", "http"];
  it.each(transports)(
    "createLbAxios on the %s transport: the caller gets the 413, the other instance nothing",
    async (transport) => {
      const before = second.requests;
      const seen = await outcomes(async () => {
        const balancer = createBalancer({
          instancer: new FixedInstancer([instance("early", "UP", early.port), instance("second", "UP", second.port)]),
          rule: new RoundRobinRule({ random: () => 0 }),
          outlierDetection: false,
        });
        const http = createLbAxios({ balancer: () => balancer, transport, retry: { maxAttempts: 3 } });
        try {
          const r = await http.post("lb://svc/upload", BODY, { validateStatus: () => true });
          return { status: r.status };
        } catch (error) {
          return { code: String((error as { code?: string }).code) };
        } finally {
          balancer.close();
        }
      });
      expectAnsweredThere(seen, before);
    },
  );
});
