// PolicySaver (policy-saver.ts, policy-file.ts) against a crash and a disk that does not answer, with real processes
// and real files: a SIGKILL at any moment must leave a state file a restart can read, at a revision the process
// really applied (Consul's lib/file/atomic.go `WriteAtomic`: temp file, fsync, rename); close() on a stuck disk must
// return within its bound (README: "waiting at most 2 s").
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readPolicyFile, writePolicyFile } from "./policy-file.js";

const FIXTURE = new URL("./policy-saver-hostile.fixture.ts", import.meta.url).pathname;

function start(mode: string, dir: string): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
  const child = spawn(process.execPath, ["--conditions=@outrigger/source", "--import", "tsx", FIXTURE, mode, dir], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return { child, lines: createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]() };
}

describe("PolicySaver against a crash and a stuck disk (real processes, real files)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-saver-hostile-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("kill -9 while revisions are applied and saved back to back: the file is whole, at a revision that ran", async () => {
    for (let kill = 0; kill < 4; kill++) {
      const { child, lines } = start("churn", dir);
      let applied = 0;
      // Kill at a different point each time, once writes are under way (delay 0: a write every few hundred applies).
      const at = 20_000 + kill * 15_000;
      for (let line = await lines.next(); !line.done; line = await lines.next()) {
        const match = /^applied (\d+)$/.exec(line.value);
        if (match) applied = Number(match[1]);
        if (applied >= at) break;
      }
      child.kill("SIGKILL");
      await once(child, "exit");
      const saved = await readPolicyFile(dir, "ORDERS"); // throws on a torn or foreign file
      expect(saved).toBeDefined();
      const n = saved?.revision ?? 0;
      expect(n).toBeGreaterThan(0);
      // The body is the one written with that revision (a torn or mixed file could not be both parsed and this).
      expect(saved?.policy).toEqual({ destination: { timeout: { totalMs: 1_000 + n } } });
    }
    // A kill may leave its temp file (no process is left to unlink it); the next process's first write removes the
    // ones dead processes left (core's sweepTempFiles), so they never pile up: at most the last kill's is here.
    const temps = async () => (await readdir(dir)).filter((name) => name.endsWith(".tmp"));
    expect((await temps()).length).toBeLessThanOrEqual(1);
    await writePolicyFile(dir, { service: "ORDERS", revision: 1_000_000, policy: { destination: {} } });
    expect(await temps()).toEqual([]);
  });

  it("close() with the disk stuck (the write's temp path is a FIFO nobody reads): resolves within its bound and reports the revision", async () => {
    const { child, lines } = start("close", dir);
    const started = performance.now();
    const seen: string[] = [];
    for (let line = await lines.next(); !line.done; line = await lines.next()) {
      seen.push(line.value);
      if (line.value === "closed") break;
    }
    const closedAfter = performance.now() - started;
    child.kill("SIGKILL"); // it does not exit by itself: packages/node/repro/policy-save-stuck-disk.repro.ts
    await once(child, "exit");
    expect(seen).toContain("closed");
    expect(closedAfter).toBeLessThan(5_000);
    expect(seen.some((line) => line.startsWith("failed 1 not written within 500 ms"))).toBe(true);
  });
});
