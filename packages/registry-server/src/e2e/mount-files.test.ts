import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ISTIO_PAIR } from "../policy-fixtures.js";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";
import { servedFiles, testAuthority } from "./test-certificates.js";

/**
 * Files the registry reads from mounts it does not control (a TLS Secret, a policy ConfigMap) replaced by what an
 * attacker or a broken deployment can put there: a FIFO (opening it for reading waits for a writer — on the event
 * loop, every request froze; in the policy scan, every later file and shutdown waited for ever) and a device.
 */
const mkfifo = (path: string): void => {
  execFileSync("mkfifo", [path]);
};

/** One HTTPS request on a fresh connection; resolves with its status and the certificate's fingerprint. */
function call(url: string, ca: Buffer, method = "GET"): Promise<{ status: number; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, agent: false, method }, (res) => {
      const { fingerprint256 } = (res.socket as import("node:tls").TLSSocket).getPeerCertificate();
      resolve({ status: res.statusCode ?? 0, fingerprint: fingerprint256 });
      res.resume();
    });
    req.on("error", reject);
    req.end();
  });
}

describe("TLS files replaced by a FIFO or a device (a real process)", () => {
  const authority = testAuthority();
  const first = authority.issue("first");
  const { certFile, keyFile } = servedFiles(authority, first);
  let registry: RegistryProcess;
  afterAll(() => registry?.stop());

  it("reports the broken rotation and keeps serving the old certificate, heartbeats included", async () => {
    registry = await spawnRegistry([
      ...["--port", "0", "--tls-cert", certFile, "--tls-key", keyFile, "--tls-watch-interval", "1"],
    ]);
    const served = (await call(`${registry.url}/eureka/apps`, authority.ca)).fingerprint;
    for (const replace of [(path: string) => mkfifo(path), (path: string) => symlinkSync("/dev/zero", path)]) {
      const failed = registry.next("tls-reload-failed");
      replace(`${keyFile}.new`);
      renameSync(`${keyFile}.new`, keyFile);
      expect(String((await failed).message)).toContain("EFTYPE");
      // The event loop is free: new connections get the old pair, and a registration and heartbeat are answered.
      expect((await call(`${registry.url}/eureka/apps`, authority.ca)).fingerprint).toBe(served);
      // A heartbeat of an unknown instance: answered (404), not frozen.
      expect((await call(`${registry.url}/eureka/apps/HB/hb-1`, authority.ca, "PUT")).status).toBe(404);
      rmSync(keyFile);
      copyFileSync(first.keyFile, keyFile);
    }
    expect((await registry.stop()).code).toBe(0);
  });
});

describe("a FIFO in --policy-dir (a real process)", () => {
  it("is refused by name while the other files apply, and SIGTERM still exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policy-fifo-"));
    mkfifo(join(dir, "a-fifo.yaml"));
    writeFileSync(join(dir, "b-reviews.yaml"), ISTIO_PAIR);
    try {
      // spawnRegistry resolves on the listening line, which the CLI prints after the first scan.
      const registry = await spawnRegistry(["--port", "0", "--policy-dir", dir]);
      const output = registry.output();
      expect(output).toMatch(/"event":"policy-refused","file":"[^"]*a-fifo\.yaml","code":"REGISTRY_POLICY_INVALID"/);
      expect(output).toMatch(/"event":"policy-applied","file":"[^"]*b-reviews\.yaml"/);
      expect((await registry.stop()).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
