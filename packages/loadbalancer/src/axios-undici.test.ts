// Conformance sources: axios lib/adapters/http.js (dispatchBeforeRedirect: authorization and cookie dropped when
// the origin changes; validateStatus; "timeout of Nms exceeded" as ECONNABORTED) and follow-redirects index.js
// (301/302 POST → GET, 303 → GET, content-* headers dropped, 21 redirects at most).
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUndiciLbAxios } from "./axios-undici.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { deadPort, instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";

interface Seen {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server answering by path; records every request. */
async function server(answer: (path: string, response: import("node:http").ServerResponse) => void) {
  const seen: Seen[] = [];
  const http: Server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    seen.push({ path: request.url ?? "", method: request.method ?? "", headers: request.headers, body });
    answer(request.url ?? "", response);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { http, seen, port: (http.address() as AddressInfo).port };
}

let other: Awaited<ReturnType<typeof server>>;
let svc: Awaited<ReturnType<typeof server>>;
let dead: number;
beforeAll(async () => {
  other = await server((_, response) => response.end(JSON.stringify({ from: "other" })));
  dead = await deadPort();
  svc = await server((path, response) => {
    const to: Record<string, string> = {
      "/away": `http://127.0.0.1:${other.port}/landed`,
      "/relative": "/here",
      "/dead": `http://127.0.0.1:${dead}/nowhere`,
      "/see-other": "/here",
    };
    if (to[path]) {
      response.writeHead(path === "/see-other" ? 303 : 302, { location: to[path] as string });
      response.end();
      return;
    }
    if (path === "/missing") response.statusCode = 404;
    if (path === "/slow") return;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ from: "svc", path }));
  });
});
afterAll(async () => {
  for (const s of [other, svc]) {
    s.http.closeAllConnections();
    await new Promise((resolve) => s.http.close(resolve));
  }
});

function client(ports: number[]) {
  const instancer = new FixedInstancer(ports.map((port, i) => instance(`i${i}`, "UP", port)));
  const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }) });
  const dispatcher = createLbDispatcher({ balancer: (s) => (s === "svc" ? balancer : undefined) });
  const http = createUndiciLbAxios(dispatcher, { defaults: { headers: { authorization: "Bearer secret" } } });
  return { http, balancer, close: () => dispatcher.close().then(() => balancer.close()) };
}

describe("axios on the lb undici dispatcher", () => {
  it("sends lb:// GET and a JSON POST, retrying a refused connection on another instance", async () => {
    const { http, close } = client([dead, svc.port]);
    const got = await http.get("lb://svc/a", { params: { q: "1 2" } });
    expect(got.data).toEqual({ from: "svc", path: "/a?q=1+2" });
    const posted = await http.post("lb://svc/b", { n: 1 });
    expect(posted.status).toBe(200);
    expect(svc.seen.at(-1)).toMatchObject({ method: "POST", body: '{"n":1}' });
    expect(svc.seen.at(-1)?.headers["content-type"]).toMatch(/application\/json/);
    await close();
  });

  it("rejects a status validateStatus refuses with an AxiosError carrying the response", async () => {
    const { http, close } = client([svc.port]);
    await expect(http.get("lb://svc/missing")).rejects.toMatchObject({
      code: "ERR_BAD_REQUEST",
      response: { status: 404 },
    });
    await close();
  });

  it("keeps credentials on a redirect within the service and drops them when the origin changes", async () => {
    const { http, close } = client([svc.port]);
    const within = await http.get("lb://svc/relative");
    expect(within.data).toEqual({ from: "svc", path: "/here" });
    expect(svc.seen.at(-1)?.headers.authorization).toBe("Bearer secret");
    const away = await http.get("lb://svc/away", { headers: { cookie: "session=1" } });
    expect(away.data).toEqual({ from: "other" });
    expect(other.seen.at(-1)?.headers.authorization).toBeUndefined();
    expect(other.seen.at(-1)?.headers.cookie).toBeUndefined();
    await close();
  });

  it("turns a POST redirected with 303 into a GET without its body", async () => {
    const { http, close } = client([svc.port]);
    await http.post("lb://svc/see-other", { n: 1 });
    expect(svc.seen.at(-1)).toMatchObject({ method: "GET", path: "/here", body: "" });
    expect(svc.seen.at(-1)?.headers["content-type"]).toBeUndefined();
    await close();
  });

  it("does not blame the instance that redirected for the target's failure", async () => {
    const { http, balancer, close } = client([svc.port]);
    await expect(http.get("lb://svc/dead")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(balancer.stats("i0")?.consecutiveFailures).toBe(0);
    await close();
  });

  it("ends a request at axios' timeout with ECONNABORTED", async () => {
    const { http, close } = client([svc.port]);
    await expect(http.get("lb://svc/slow", { timeout: 100 })).rejects.toMatchObject({ code: "ECONNABORTED" });
    await close();
  });
});
