// The state file's save, off the apply path and coalesced, as Envoy stores xDS resources for a restart: the apply
// only updates memory and a timer writes the file (contrib/xds/source/kv_store_xds_delegate.h: no storage I/O on
// the apply path; source/common/common/key_value_store_base.cc: `addOrUpdate` writes only when no `flush_interval`
// timer is set). Each write stays atomic as Consul's lib/file/atomic.go `WriteAtomic` (policy-file.ts). Real files in
// a temp directory; the delay runs on a fake clock (only setTimeout and Date are faked, so the file system's I/O is real).
// The stagger added to each wait (Consul's agent/ae/ae.go rule: interval + a uniform draw below it) is drawn from an
// injected random: 0 (no stagger) unless a test says otherwise.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@outrigger/core";
import type { PolicyUpdate } from "@outrigger/policy";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { policyFilePath, writePolicyFile } from "./policy-file.js";
import { PolicySaver } from "./policy-saver.js";

const DELAY_MS = 1_000;
const revision = (n: number, service = "ORDERS"): PolicyUpdate => ({
  service,
  revision: n,
  policy: { destination: { timeout: { totalMs: 1_000 + n } } },
});
const savedRevision = async (dir: string, service = "ORDERS") =>
  (JSON.parse(await readFile(policyFilePath(dir, service), "utf8")) as { revision: number }).revision;

describe("PolicySaver: the applied revision is saved after a bounded delay, coalesced", () => {
  let dir: string;
  /** Each write started, by service and revision (the real `writePolicyFile` does it). */
  let writes: string[];
  let failures: { update: PolicyUpdate; error: Error }[];
  let failedNow: () => void;
  /** Resolves at the next failure the saver reports (the write's real I/O ends when it ends). */
  const nextFailure = () =>
    new Promise<void>((resolve) => {
      failedNow = resolve;
    });
  const failed = (update: PolicyUpdate, error: Error) => {
    failures.push({ update, error });
    failedNow();
  };
  const saverIn = (stateDir: string, delayMs = DELAY_MS, random = () => 0) =>
    new PolicySaver({
      dir: stateDir,
      delayMs,
      failed,
      random,
      write: (at, update) => {
        writes.push(`${update.service} ${update.revision}`);
        return writePolicyFile(at, update);
      },
    });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-policy-saver-"));
    writes = [];
    failures = [];
    failedNow = () => {};
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await rm(dir, { recursive: true, force: true });
  });

  it("writes nothing before the delay, then only the newest of a burst of 50 revisions, once", async () => {
    const saver = saverIn(dir);
    for (let n = 1; n <= 50; n += 1) saver.save(revision(n));
    await vi.advanceTimersByTimeAsync(DELAY_MS - 1);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["ORDERS 50"]);
    await saver.flush();
    expect(await savedRevision(dir)).toBe(50);
    expect(failures).toEqual([]);
  });

  it("a burst spread over 5 delays writes a few times, never an older revision after a newer one", async () => {
    const saver = saverIn(dir);
    for (let n = 1; n <= 50; n += 1) {
      saver.save(revision(n));
      await vi.advanceTimersByTimeAsync(100);
    }
    await saver.flush();
    // One write per delay at most (the timer fires at most 5 times in 5 000 ms), plus the flush.
    expect(writes.length).toBeGreaterThanOrEqual(1);
    expect(writes.length).toBeLessThanOrEqual(6);
    const written = writes.map((w) => Number(w.split(" ")[1]));
    expect(written).toEqual([...written].sort((a, b) => a - b));
    expect(written.at(-1)).toBe(50);
    expect(await savedRevision(dir)).toBe(50);
  });

  it("keeps each service's newest revision: two services, one write each", async () => {
    const saver = saverIn(dir);
    saver.save(revision(1, "ORDERS"));
    saver.save(revision(7, "PAYMENTS"));
    saver.save(revision(2, "ORDERS"));
    await vi.advanceTimersByTimeAsync(DELAY_MS);
    await saver.flush();
    expect(writes).toEqual(["ORDERS 2", "PAYMENTS 7"]);
    expect(await savedRevision(dir, "PAYMENTS")).toBe(7);
  });

  it("close() writes the pending revision at once, without waiting for the delay, and takes no more", async () => {
    const saver = saverIn(dir);
    saver.save(revision(3));
    saver.save(revision(4));
    await saver.close(2_000);
    expect(writes).toEqual(["ORDERS 4"]);
    expect(await savedRevision(dir)).toBe(4);
    saver.save(revision(5));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writes).toEqual(["ORDERS 4"]);
  });

  it("a failed write is reported, kept and tried again after a backoff; a newer revision replaces it", async () => {
    // The state directory's parent is a regular file: every write fails (ENOTDIR), whatever the user's rights.
    const blocker = join(dir, "blocker");
    await writeFile(blocker, "not a directory");
    const stateDir = join(blocker, "state");
    const saver = saverIn(stateDir);
    const firstFailure = nextFailure();
    saver.save(revision(1));
    await vi.advanceTimersByTimeAsync(DELAY_MS);
    await firstFailure;
    expect(failures).toHaveLength(1);
    expect(failures[0]?.update.revision).toBe(1);
    expect(failures[0]?.error).toMatchObject({ code: "ENOTDIR" });
    // A newer revision comes while the first waits for its retry: only the newer one is tried.
    saver.save(revision(2));
    await rm(blocker);
    await vi.advanceTimersByTimeAsync(DELAY_MS - 1);
    expect(writes).toEqual(["ORDERS 1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["ORDERS 1", "ORDERS 2"]);
    await saver.flush();
    expect(failures).toHaveLength(1);
    expect(await savedRevision(stateDir)).toBe(2);
  });

  it("a write that fails half-way leaves no temp file behind and is tried again (hashicorp/consul#3207)", async () => {
    // consul#3207: a failed write left its temp file, and the agent could not start on it. Here the rename fails
    // (the policy file's path is taken by a directory) after the temp file was written and fsynced.
    const taken = policyFilePath(dir, "ORDERS");
    await mkdir(join(taken, "in-the-way"), { recursive: true });
    const saver = saverIn(dir);
    const failure = nextFailure();
    saver.save(revision(1));
    await vi.advanceTimersByTimeAsync(DELAY_MS);
    await failure;
    expect(await readdir(dir)).toEqual(["ORDERS.policy.json"]);
    await rm(taken, { recursive: true });
    await vi.advanceTimersByTimeAsync(DELAY_MS);
    await saver.flush();
    expect(await savedRevision(dir)).toBe(1);
    expect((await readdir(dir)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("a disk that keeps failing is tried with a doubling backoff, each failure reported, nothing thrown", async () => {
    const blocker = join(dir, "blocker");
    await writeFile(blocker, "not a directory");
    const saver = saverIn(join(blocker, "state"));
    saver.save(revision(1));
    // The first try after the delay, then 1 s, 2 s, 4 s after each failure.
    for (const [tries, wait] of [DELAY_MS, 1_000, 2_000, 4_000].entries()) {
      const failure = nextFailure();
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(writes).toHaveLength(tries);
      await vi.advanceTimersByTimeAsync(1);
      expect(writes).toHaveLength(tries + 1);
      await failure;
    }
    expect(failures).toHaveLength(4);
    expect(failures.every((f) => f.update.revision === 1)).toBe(true);
    // Closing tries once more, reports it, and schedules nothing after.
    await saver.close(2_000);
    expect(failures).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(writes).toHaveLength(5);
  });

  it("waits the delay plus a stagger drawn each time, below the delay (hashicorp/consul agent/ae/ae.go)", async () => {
    const draws = [0.5, 0.25];
    const saver = saverIn(dir, DELAY_MS, () => draws.shift() ?? 0);
    saver.save(revision(1));
    await vi.advanceTimersByTimeAsync(1_499);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["ORDERS 1"]);
    await saver.flush();
    // The next revision's wait has a draw of its own: 1 000 + 250 ms.
    saver.save(revision(2));
    await vi.advanceTimersByTimeAsync(1_249);
    expect(writes).toEqual(["ORDERS 1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual(["ORDERS 1", "ORDERS 2"]);
    await saver.flush();
    // A delay of 0 stays 0: each revision is written on the next turn.
    const now = saverIn(dir, 0, () => 0.9);
    now.save(revision(3));
    await vi.advanceTimersByTimeAsync(0);
    await now.flush();
    expect(writes.at(-1)).toBe("ORDERS 3");
  });

  it("a fleet of 20 given a revision at the same instant writes at 20 moments spread over the delay", async () => {
    // bench:policy-push: 20 processes with one fixed delay wrote and fsynced within the same ms, during a later
    // apply, which took the p99. Each process draws its own stagger (seeded here, Math.random in production).
    const at: number[] = [];
    const fleet = Array.from(
      { length: 20 },
      (_, i) =>
        new PolicySaver({
          dir,
          delayMs: DELAY_MS,
          failed,
          random: seededRandom(i + 1),
          write: async () => {
            at.push(Date.now());
          },
        }),
    );
    const start = Date.now();
    for (const saver of fleet) saver.save(revision(1));
    await vi.advanceTimersByTimeAsync(2 * DELAY_MS);
    const waits = at.map((t) => t - start).sort((a, b) => a - b);
    expect(waits).toHaveLength(20);
    expect(waits[0]).toBeGreaterThanOrEqual(DELAY_MS);
    expect(waits.at(-1)).toBeLessThan(2 * DELAY_MS);
    // No two in the same ms, and the writes cover most of the second they may spread over.
    expect(new Set(waits).size).toBe(20);
    expect((waits.at(-1) ?? 0) - (waits[0] ?? 0)).toBeGreaterThan(DELAY_MS / 2);
  });

  it("a failed write's retry is staggered too: backoff plus a draw below it", async () => {
    const blocker = join(dir, "blocker");
    await writeFile(blocker, "not a directory");
    const saver = saverIn(join(blocker, "state"), DELAY_MS, () => 0.5);
    const first = nextFailure();
    saver.save(revision(1));
    await vi.advanceTimersByTimeAsync(1_500);
    await first;
    expect(writes).toHaveLength(1);
    const second = nextFailure();
    await vi.advanceTimersByTimeAsync(1_499);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toHaveLength(2);
    await second;
    await saver.close(2_000);
  });

  it("close() reports what is still not written when its time is up", async () => {
    let release: () => void = () => {};
    const stuck = new PolicySaver({
      dir,
      delayMs: DELAY_MS,
      failed,
      // A write that hangs (an fsync on a saturated disk).
      write: () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    });
    stuck.save(revision(9));
    const closed = stuck.close(2_000);
    await vi.advanceTimersByTimeAsync(2_000);
    await closed;
    expect(failures.map((f) => [f.update.revision, f.error.message])).toEqual([
      [9, "not written within 2000 ms of close"],
    ]);
    release();
  });
});
