// undici 6's `maxRedirections` request option through the lb dispatcher (nodejs/undici#4360: a redirect followed
// inside one instance's Client). Rules are undici's RedirectHandler's (lib/handler/redirect-handler.js).
import type { IncomingMessage, ServerResponse } from "node:http";
import { request as undiciRequest } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver } from "./undici-field-fixture.js";

/** `/old` answers 301 to `location`; anything else answers where it is, with the authorization it got. */
const redirecting = (location: string) => (request: IncomingMessage, response: ServerResponse) => {
  if (request.url === "/old") {
    response.statusCode = 301;
    response.setHeader("location", location);
    response.end("moved");
  } else response.end(`at ${request.url} auth=${request.headers.authorization ?? "none"}`);
};

describe("maxRedirections on undici.request through the lb dispatcher", () => {
  it("nodejs/undici#4360: a relative Location is followed through the balancer; the redirecting instance is not blamed", async () => {
    const a = await fieldInstance(redirecting("/new"));
    const b = await fieldInstance(redirecting("/new"));
    const lb = lbOver([a.port, b.port]);
    for (const origin of ["http://svc", "lb://svc"]) {
      const answer = await lb.dispatcher.request({ origin, path: "/old", method: "GET", maxRedirections: 2 });
      expect([origin, answer.statusCode, await answer.body.text()]).toEqual([origin, 200, "at /new auth=none"]);
    }
    const viaRequest = await undiciRequest("http://svc/old", { dispatcher: lb.dispatcher, maxRedirections: 2 });
    expect([viaRequest.statusCode, await viaRequest.body.text()]).toEqual([200, "at /new auth=none"]);
    // Each hop is its own pick (round robin): /old and /new each went to an instance; no attempt failed.
    const urls = [...a.seen.requests, ...b.seen.requests].map((r) => r.url).sort();
    expect(urls).toEqual(["/new", "/new", "/new", "/old", "/old", "/old"]);
    expect([lb.balancer.stats("i0")?.consecutiveFailures, lb.balancer.stats("i1")?.consecutiveFailures]).toEqual([
      0, 0,
    ]);
    await lb.close();
    await Promise.all([a.close(), b.close()]);
  });

  it("an absolute Location to another host goes there (not to the instance), without the credentials", async () => {
    const other = await fieldInstance(redirecting("/unused"));
    const a = await fieldInstance(redirecting(`http://127.0.0.1:${other.port}/elsewhere`));
    const lb = lbOver([a.port]);
    const answer = await undiciRequest("http://svc/old", {
      dispatcher: lb.dispatcher,
      maxRedirections: 1,
      headers: { authorization: "Bearer secret-token" },
    });
    expect([answer.statusCode, await answer.body.text()]).toEqual([200, "at /elsewhere auth=none"]);
    expect(a.seen.requests.map((r) => [r.url, r.headers.authorization])).toEqual([["/old", "Bearer secret-token"]]);
    expect(other.seen.requests.map((r) => r.url)).toEqual(["/elsewhere"]);
    await lb.close();
    await Promise.all([a.close(), other.close()]);
  });

  it("the redirect count is kept (the last 3xx is the answer) and a bad count is undici's InvalidArgumentError", async () => {
    const a = await fieldInstance((request, response) => {
      response.statusCode = 302;
      response.setHeader("location", `/hop${request.url?.length}`);
      response.end();
    });
    const lb = lbOver([a.port]);
    const answer = await undiciRequest("http://svc/x", { dispatcher: lb.dispatcher, maxRedirections: 2 });
    await answer.body.dump();
    expect(answer.statusCode).toBe(302);
    expect(a.seen.requests).toHaveLength(3);
    await expect(
      undiciRequest("http://svc/x", { dispatcher: lb.dispatcher, maxRedirections: 1.5 }),
    ).rejects.toMatchObject({ code: "UND_ERR_INVALID_ARG" });
    expect(a.seen.requests).toHaveLength(3);
    await lb.close();
    await a.close();
  });
});
