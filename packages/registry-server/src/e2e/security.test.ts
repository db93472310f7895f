import { copyFileSync, renameSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { freePort, type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { servedFiles, testAuthority } from "./test-certificates.js";

const WRITE = "w-9f3c1e-secret";
const READ = "r-7a2b44-secret";

interface Answer {
  status: number;
  body: string;
  fingerprint: string;
  index: number;
}

/** The status of the dashboard's event stream, read from its headers (the stream itself never ends). */
function streamStatus(url: string, ca: Buffer, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, ca, agent: false }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on("error", reject);
    req.end();
  });
}

/** One HTTPS request trusting only `ca`, on a fresh connection (so a rotated certificate is seen). */
function call(
  url: string,
  ca: Buffer,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(url, { method: init.method ?? "GET", headers: init.headers, ca, agent: false }, (res) => {
      const fingerprint = (res.socket as import("node:tls").TLSSocket).getPeerCertificate().fingerprint256;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      const index = Number(res.headers["x-outrigger-index"] ?? -1);
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, fingerprint, index }));
    });
    req.on("error", reject);
    if (init.body !== undefined) {
      req.setHeader("content-type", "application/json");
      req.end(JSON.stringify(init.body));
    } else req.end();
  });
}

describe("a registry started with --token, --read-token and TLS (a real process)", () => {
  const authority = testAuthority();
  const first = authority.issue("first");
  const second = authority.issue("second");
  // The files the registry serves: rotated below by renaming a new copy over them, as a Secret volume swaps.
  const { certFile, keyFile } = servedFiles(authority, first);
  let registry: RegistryProcess;
  afterAll(() => registry?.stop());

  it("serves HTTPS, guards every kind of route by scope, and never logs a token", async () => {
    registry = await spawnRegistry([
      ...["--port", "0", "--token", WRITE, "--read-token", READ, "--log-level", "info"],
      ...["--tls-cert", certFile, "--tls-key", keyFile, "--tls-watch-interval", "1"],
    ]);
    const { url } = registry;
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:/);
    const { ca } = authority;
    const reads = ["/eureka/apps", "/eureka/v2/apps/delta", "/outrigger/dashboard", "/metrics", "/eureka/status"];
    for (const path of [...reads, "/v1/agent/services", "/v1/catalog/services"]) {
      expect((await call(`${url}${path}`, ca)).status, path).toBeOneOf([401, 403]);
      expect((await call(`${url}${path}?token=wrong`, ca)).status, path).toBeOneOf([401, 403]);
      expect((await call(`${url}${path}?token=${READ}`, ca)).status, path).toBe(200);
    }
    expect(await streamStatus(`${url}/outrigger/events`, ca)).toBe(401);
    expect(await streamStatus(`${url}/outrigger/events`, ca, { authorization: `Basic ${btoa(`me:${READ}`)}` })).toBe(
      200,
    );
    const register = (headers: Record<string, string>) =>
      call(`${url}/eureka/apps/HELLO`, ca, { method: "POST", headers, body: registration("a") });
    expect((await register({ authorization: `Bearer ${READ}` })).status).toBe(403);
    const spring = `Basic ${Buffer.from(`eureka:${WRITE}`).toString("base64")}`;
    expect((await register({ authorization: spring })).status).toBe(204);
    expect(
      (await call(`${url}/eureka/apps/HELLO?token=${WRITE}`, ca, { headers: { accept: "application/json" } })).body,
    ).toContain('"instanceId":"a"');
    // A client that does not trust the CA is refused by TLS itself.
    await expect(call(`${url}/eureka/apps`, Buffer.from(""))).rejects.toThrow();
    const output = registry.output();
    expect(output).toContain("incoming request");
    expect(output).toContain("token=REDACTED");
    expect(output).not.toContain(WRITE);
    expect(output).not.toContain(READ);
  });

  it("serves a rotated certificate to new connections, and keeps it when a later rotation is broken", async () => {
    const { ca } = authority;
    const before = await call(`${registry.url}/eureka/apps?token=${READ}`, ca);
    const reloaded = registry.next("tls-reloaded");
    copyFileSync(second.keyFile, `${keyFile}.new`);
    copyFileSync(second.certFile, `${certFile}.new`);
    renameSync(`${keyFile}.new`, keyFile);
    renameSync(`${certFile}.new`, certFile);
    await reloaded;
    const after = await call(`${registry.url}/eureka/apps?token=${READ}`, ca);
    expect(after.status).toBe(200);
    expect(after.fingerprint).not.toBe(before.fingerprint);

    // The first certificate with the second's key: refused, reported, and the second keeps serving.
    const failed = registry.next("tls-reload-failed");
    copyFileSync(first.certFile, `${certFile}.new`);
    renameSync(`${certFile}.new`, certFile);
    const message = String((await failed).message);
    expect(message).toContain("tls.crt");
    expect(message).not.toContain("PRIVATE KEY");
    expect((await call(`${registry.url}/eureka/apps?token=${READ}`, ca)).fingerprint).toBe(after.fingerprint);
  });
});

describe("peers over HTTPS with tokens (two real processes)", () => {
  const authority = testAuthority();
  const running: RegistryProcess[] = [];
  afterAll(() => Promise.all(running.map((p) => p.stop())));

  it("replicate with the write token, trusting the CA given in NODE_EXTRA_CA_CERTS", async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const start = async (name: string, port: number, peer: number) => {
      const { certFile, keyFile } = authority.issue(name);
      const args = ["--port", String(port), "--token", WRITE, "--read-token", READ];
      args.push("--tls-cert", certFile, "--tls-key", keyFile, "--peer", `https://127.0.0.1:${peer}/eureka`);
      const p = await spawnRegistry(args, { NODE_EXTRA_CA_CERTS: join(authority.dir, "ca.crt") });
      running.push(p);
      return p;
    };
    const a = await start("peer-a", pa, pb);
    const b = await start("peer-b", pb, pa);
    const auth = { authorization: `Bearer ${WRITE}` };
    const body = registration("replicated");
    expect(
      (await call(`${a.url}/eureka/apps/HELLO`, authority.ca, { method: "POST", headers: auth, body })).status,
    ).toBe(204);
    // Long-poll B's watch (with the read token) until the registration arrives: no sleeps.
    let index = -1;
    for (;;) {
      const answer = await call(
        `${b.url}/outrigger/watch/apps/HELLO?index=${index}&wait=5s&token=${READ}`,
        authority.ca,
      );
      expect(answer.status).toBe(200);
      if (answer.body.includes('"instanceId":"replicated"')) break;
      index = answer.index;
    }
  });
});
