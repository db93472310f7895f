// A registry's redirect, as a hostile or broken peer sends it. The rules are Eureka's RedirectingEurekaHttpClient
// (eureka-client shared/transport/decorator/RedirectingEurekaHttpClient.java): at most MAX_FOLLOWED_REDIRECTS = 10
// requests in all ("Follow redirect limit crossed"), and a redirect without a usable Location is an error ("Missing
// Location header in the redirect reply", "Invalid redirect URL"), never an answer; and the fetch standard's
// ("HTTP-redirect fetch": a Location that is not http(s) is a network error; Authorization stays behind once the
// request left its origin). Field reports replayed: nodejs/undici#872 (authorization sent to a third-party origin on
// a 302), Netflix/eureka#455 (a redirect's 3xx taken as the registry's answer).
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { RegistryAccess } from "./registry-access.js";
import { registryRequest } from "./registry-http.js";
import { MAX_REGISTRY_REDIRECTS } from "./registry-redirect.js";
import { closeRedirectServers, redirectServer } from "./testing/redirect-server.js";
import { selfSigned } from "./testing/self-signed.js";

afterEach(closeRedirectServers);

const TOKEN = "t0ken-never-shown";
const PASSWORD = "pa55-never-shown";

/** Every message along an error's cause chain, to check that none carries a secret. */
function messages(error: unknown): string {
  const out: string[] = [];
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    out.push(String((e as Error).message ?? e), String((e as Error).stack ?? ""));
    e = (e as { cause?: unknown }).cause;
  }
  return out.join("\n");
}

const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (e: unknown) => e,
  );

describe("a redirect without a usable Location is an error, never the registry's answer (Eureka: TransportException)", () => {
  it.each<[string, number, string | undefined]>([
    ["no Location at all", 302, undefined],
    ["a Location that is no URL", 307, "http://[::1"],
    ["a file: Location", 301, `file:///etc/passwd?token=${TOKEN}`],
    ["a data: Location", 308, "data:text/plain,hello"],
  ])("%s (%i): DISCOVERY_BAD_RESPONSE naming the status, not the Location", async (_what, status, location) => {
    const reg = await redirectServer(() => ({ status, ...(location ? { location } : {}) }));
    // A renewal: `#beat` took any status below 400 as renewed, so a 302 it could not follow kept a lease "alive".
    const error = await failure(
      registryRequest(`${reg.origin}/eureka/apps/A/i-1`, { method: "PUT", timeoutMs: 5_000 }),
    );
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE" });
    expect((error as Error).message).toContain(`answered ${status}`);
    expect(messages(error)).not.toContain(TOKEN);
    expect(messages(error)).not.toContain("etc/passwd");
    expect(reg.seen).toHaveLength(1);
  });
});

describe("redirect loops and chains", () => {
  it(`sends at most ${MAX_REGISTRY_REDIRECTS} requests in all, as Eureka's loop does`, async () => {
    let n = 0;
    // Every hop a new relative Location, so nothing can stop it as a repeated URL.
    const reg = await redirectServer(() => ({ status: 302, location: `/hop/${++n}` }));
    const error = await failure(registryRequest(`${reg.origin}/eureka/apps`, { method: "GET", timeoutMs: 5_000 }));
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE" });
    expect(reg.seen).toHaveLength(MAX_REGISTRY_REDIRECTS);
  });

  it("a loop between two origins ends too, and the token reached only its own origin", async () => {
    let other = "";
    const first = await redirectServer(() => ({ status: 307, location: `${other}/back` }));
    const second = await redirectServer(() => ({ status: 307, location: `${first.origin}/again` }));
    other = second.origin;
    const access = new RegistryAccess(first.origin, { token: TOKEN });
    const error = await failure(
      registryRequest(`${first.origin}/eureka/apps`, { method: "GET", timeoutMs: 5_000, access }),
    );
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE" });
    // fetch's rule: once the request left the origin, Authorization stays behind, on the way back too.
    expect(first.seen.map((s) => s.authorization)).toEqual([
      `Bearer ${TOKEN}`,
      ...first.seen.slice(1).map(() => undefined),
    ]);
    expect(second.seen.every((s) => s.authorization === undefined)).toBe(true);
    await access.close();
  });

  it("nodejs/undici#872: a 302 to another origin (another port) carries no Authorization, Basic from the URL either", async () => {
    const third = await redirectServer(() => ({ status: 200, body: "{}" }));
    const reg = await redirectServer(() => ({ status: 302, location: `${third.origin}/anything` }));
    const access = new RegistryAccess(reg.origin.replace("http://", `http://user:${PASSWORD}@`));
    await registryRequest(`${access.url}/eureka/apps`, { method: "GET", timeoutMs: 5_000, access });
    expect(reg.seen[0]?.authorization).toMatch(/^Basic /);
    expect(third.seen.map((s) => s.authorization)).toEqual([undefined]);
    await access.close();
  });

  it("a Location with userinfo on the same origin: the URL's user and password are not sent, nor shown", async () => {
    let origin = "";
    const reg = await redirectServer((req, _seen, res) => {
      if (req.url === "/a")
        return { status: 302, location: `${origin.replace("http://", `http://mallory:${PASSWORD}@`)}/b` };
      res.socket?.destroy(); // the hop fails at the network level
      return null;
    });
    origin = reg.origin;
    const access = new RegistryAccess(reg.origin, { token: TOKEN });
    const error = await failure(registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 5_000, access }));
    expect(error).toMatchObject({ code: "DISCOVERY_REGISTRY_UNREACHABLE" });
    expect(reg.seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    expect(messages(error)).not.toContain(PASSWORD);
    expect(messages(error)).not.toContain(TOKEN);
    await access.close();
  });

  it("an https registry redirecting to http (a downgrade, same host): the token is not sent in clear", async () => {
    const cert = selfSigned();
    const plain = await redirectServer(() => ({ status: 204 }));
    const secure = createHttpsServer(
      { cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) },
      (_req, res) => {
        res.writeHead(307, { location: `${plain.origin}/eureka/apps/A` });
        res.end();
      },
    );
    await new Promise<void>((resolve) => secure.listen(0, "127.0.0.1", resolve));
    const origin = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`;
    const access = new RegistryAccess(origin, { token: TOKEN, tls: { ca: cert.ca } });
    const answer = await registryRequest(`${origin}/eureka/apps/A`, {
      method: "POST",
      body: { a: 1 },
      timeoutMs: 5_000,
      access,
    });
    expect(answer.status).toBe(204);
    expect(plain.seen.map((s) => [s.method, s.authorization, s.body])).toEqual([["POST", undefined, '{"a":1}']]);
    await access.close();
    secure.closeAllConnections();
    await new Promise((resolve) => secure.close(resolve));
  });
});

describe("a redirect to a slow or hostile server is bounded by the request's timeout", () => {
  it("a target that accepts and never answers: UNREACHABLE with the timeout as cause", async () => {
    const held: Socket[] = [];
    const silent = await redirectServer((req) => {
      held.push(req.socket);
      return null; // never answers
    });
    const reg = await redirectServer(() => ({ status: 307, location: `${silent.origin}/x` }));
    const error = await failure(registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 200 }));
    expect(error).toMatchObject({ code: "DISCOVERY_REGISTRY_UNREACHABLE", cause: { name: "TimeoutError" } });
    expect(held).toHaveLength(1);
  });

  it("a 302 whose body trickles forever (chunked): the hop's body is not awaited past the timeout", async () => {
    const timers: NodeJS.Timeout[] = [];
    const reg = await redirectServer((_req, _seen, res) => {
      res.writeHead(302, { location: "/elsewhere" });
      res.write("x");
      const t = setInterval(() => res.write("x"), 20);
      t.unref();
      timers.push(t);
      res.on("close", () => clearInterval(t));
      return null;
    });
    const error = await failure(registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 200 }));
    for (const t of timers) clearInterval(t);
    expect(error).toMatchObject({ code: "DISCOVERY_REGISTRY_UNREACHABLE", cause: { name: "TimeoutError" } });
  });

  it("a redirect target whose 200 body stalls after the headers: UNREACHABLE at the timeout", async () => {
    const stalled = await redirectServer((_req, _seen, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"applications":');
      return null;
    });
    const reg = await redirectServer(() => ({ status: 308, location: `${stalled.origin}/x` }));
    const error = await failure(registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 200 }));
    expect(error).toMatchObject({ code: "DISCOVERY_REGISTRY_UNREACHABLE" });
  });

  it("a Location past undici's 16 KiB header limit: DISCOVERY_BAD_RESPONSE that says so, the Location not shown", async () => {
    const huge = `/${"a".repeat(20_000)}?token=${TOKEN}`;
    const reg = await redirectServer(() => ({ status: 302, location: huge }));
    const error = await failure(registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 5_000 }));
    expect(error).toMatchObject({ code: "DISCOVERY_BAD_RESPONSE" });
    expect((error as Error).message).toMatch(/headers larger than/);
    expect((error as Error).message.length).toBeLessThan(500);
    expect(messages(error)).not.toContain(TOKEN);
  });

  it("a Location just under the limit is followed; the target's 414 is handed back as an answer", async () => {
    const long = `/${"b".repeat(12_000)}`;
    const reg = await redirectServer((req) => (req.url === "/a" ? { status: 302, location: long } : { status: 414 }));
    const answer = await registryRequest(`${reg.origin}/a`, { method: "GET", timeoutMs: 5_000 });
    expect(answer.status).toBe(414);
    expect(reg.seen.map((s) => s.url.length)).toEqual([2, long.length]);
  });
});

describe("303, 307 and 308 with a body", () => {
  it("307 and 308 re-send the method and body; 303 drops both (and its Content-Type), HEAD stays HEAD", async () => {
    const reg = await redirectServer((req) => {
      const hops: Record<string, number> = { "/307": 307, "/308": 308, "/303": 303 };
      const status = hops[req.url ?? ""];
      return status ? { status, location: "/end" } : { status: 200, body: "{}" };
    });
    for (const path of ["/307", "/308", "/303"]) {
      await registryRequest(`${reg.origin}${path}`, { method: "POST", body: { n: path }, timeoutMs: 5_000 });
    }
    await registryRequest(`${reg.origin}/303`, { method: "HEAD", timeoutMs: 5_000 });
    expect(reg.seen.filter((s) => s.url === "/end").map((s) => [s.method, s.body])).toEqual([
      ["POST", '{"n":"/307"}'],
      ["POST", '{"n":"/308"}'],
      ["GET", ""],
      ["HEAD", ""],
    ]);
  });
});
