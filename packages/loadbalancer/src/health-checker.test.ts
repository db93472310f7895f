import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type CheckResult, createHealthChecker, type HealthChecker } from "./health-checker.js";
import { tcpProbe } from "./tcp-probe.js";
import { deadPort, instance, namedServer } from "./test-support.js";

/** Resolves with the first value an event fires that `match` accepts. */
function next<T>(event: (listener: (value: T) => void) => { dispose(): void }, match: (v: T) => boolean = () => true) {
  return new Promise<T>((resolve) => {
    const subscription = event((value) => {
      if (!match(value)) return;
      subscription.dispose();
      resolve(value);
    });
  });
}

describe("createHealthChecker against real HTTP servers", () => {
  let server: Server;
  let port: number;
  let healthStatus = 200;
  let silent: Server;
  let silentPort: number;
  let dead: number;
  const checkers: HealthChecker[] = [];
  const track = (checker: HealthChecker) => {
    checkers.push(checker);
    return checker;
  };

  beforeAll(async () => {
    ({ server, port } = await namedServer("a", (request, response) => {
      response.statusCode = request.url === "/ready" ? healthStatus : 404;
      response.end();
    }));
    ({ server: silent, port: silentPort } = await namedServer("silent", () => {}));
    dead = await deadPort();
  });
  afterEach(() => {
    for (const c of checkers.splice(0)) c.close();
  });
  afterAll(() => {
    for (const s of [server, silent]) {
      s.closeAllConnections();
      s.close();
    }
  });

  it("marks an instance unhealthy after exactly `unhealthyThreshold` failures and back after `healthyThreshold` passes", async () => {
    healthStatus = 200;
    const checker = track(
      createHealthChecker(new FixedInstancer([instance("a", "UP", port)]), {
        path: "/ready",
        intervalMs: 5,
        jitterMs: 0,
        unhealthyThreshold: 3,
        healthyThreshold: 2,
      }),
    );
    const seen: CheckResult[] = [];
    checker.onCheck((r) => seen.push(r));
    await next(checker.onCheck);
    expect(checker.isHealthy("a")).toBe(true);

    healthStatus = 503;
    const down = next(checker.onUnhealthy);
    const firstFail = next(checker.onCheck, (r) => !r.ok);
    await firstFail;
    const from = seen.findIndex((r) => !r.ok);
    const change = await down;
    expect(change).toMatchObject({ instance: { id: "a" }, last: { ok: false, status: 503 } });
    expect(seen.slice(from).map((r) => [r.ok, r.healthy])).toEqual([
      [false, true],
      [false, true],
      [false, false],
    ]);
    expect(checker.isHealthy("a")).toBe(false);

    healthStatus = 204; // inside the default 200–299 range
    const up = next(checker.onHealthy);
    await next(checker.onCheck, (r) => r.ok);
    const passFrom = seen.findIndex((r, i) => i > from && r.ok);
    await up;
    expect(seen.slice(passFrom).map((r) => [r.ok, r.healthy])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(checker.isHealthy("a")).toBe(true);
  });

  it("accepts the configured status range only", async () => {
    healthStatus = 404;
    const checker = track(
      createHealthChecker(new FixedInstancer([instance("a", "UP", port)]), {
        path: "/missing",
        expectedStatus: { min: 200, max: 404 },
        intervalMs: 60_000,
        jitterMs: 0,
      }),
    );
    expect(await next(checker.onCheck)).toMatchObject({ ok: true, status: 404 });
  });

  it("fails a probe that does not answer within timeoutMs, and a refused connection", async () => {
    const checker = track(
      createHealthChecker(new FixedInstancer([instance("s", "UP", silentPort), instance("d", "UP", dead)]), {
        timeoutMs: 30,
        intervalMs: 60_000,
        jitterMs: 0,
      }),
    );
    const silentResult = next(checker.onCheck, (r) => r.instance.id === "s");
    const deadResult = await next(checker.onCheck, (r) => r.instance.id === "d");
    expect(deadResult).toMatchObject({ ok: false, error: { code: "ECONNREFUSED" } });
    expect(await silentResult).toMatchObject({ ok: false, error: expect.any(Error) });
  });

  it("passes a probe whose answer arrived while this process was stalled past timeoutMs (after-I/O rule)", async () => {
    // The instance answers at once, then this process stalls (a GC pause, a busy machine) with the answer in the
    // probe's socket buffer. Node runs the due timeout before it reads the socket: a plain timer failed the probe,
    // and a few such stalls in a row marked a healthy instance down for the client's own lag.
    const stalling = await namedServer("stalling", (_request, response) => {
      response.end();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600);
    });
    try {
      const checker = track(
        createHealthChecker(new FixedInstancer([instance("st", "UP", stalling.port)]), {
          path: "/",
          timeoutMs: 200,
          intervalMs: 60_000,
          jitterMs: 0,
        }),
      );
      expect(await next(checker.onCheck)).toMatchObject({ ok: true, status: 200 });
    } finally {
      stalling.server.close();
    }
  });

  it("tcpProbe passes on an accepted connection and fails on a refused one", async () => {
    const checker = track(
      createHealthChecker(new FixedInstancer([instance("a", "UP", port), instance("d", "UP", dead)]), {
        probe: tcpProbe(),
        intervalMs: 60_000,
        jitterMs: 0,
      }),
    );
    const passed = next(checker.onCheck, (r) => r.instance.id === "a");
    expect(await next(checker.onCheck, (r) => r.instance.id === "d")).toMatchObject({
      ok: false,
      error: { code: "ECONNREFUSED" },
    });
    expect(await passed).toMatchObject({ ok: true });
  });

  it("rejects bad options with LB_INVALID_OPTION and a message naming the option", () => {
    const instancer = new FixedInstancer([]);
    for (const [options, name] of [
      [{ intervalMs: 0 }, "intervalMs"],
      [{ timeoutMs: Number.NaN }, "timeoutMs"],
      [{ unhealthyThreshold: 1.5 }, "unhealthyThreshold"],
      [{ healthyThreshold: 0 }, "healthyThreshold"],
      [{ jitterMs: -1 }, "jitterMs"],
      [{ path: "health" }, "path"],
      [{ expectedStatus: { min: 300, max: 200 } }, "expectedStatus.max"],
    ] as const) {
      expect(() => createHealthChecker(instancer, options)).toThrowError(
        expect.objectContaining({ code: "LB_INVALID_OPTION", message: expect.stringContaining(name) }),
      );
    }
  });
});

describe("createHealthChecker's schedule", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("probes first within the jitter, then every interval plus jitter; follows the instancer; stops on close", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const probed: string[] = [];
    const instancer = new FixedInstancer([instance("a")]);
    const checker = createHealthChecker(instancer, {
      intervalMs: 1_000,
      jitterMs: 200,
      random: () => 0.5,
      probe: async (target) => {
        probed.push(target.id);
        return { ok: true, status: 200 };
      },
    });
    await vi.advanceTimersByTimeAsync(99);
    expect(probed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // 0.5 × 200 ms
    expect(probed).toEqual(["a"]);
    await vi.advanceTimersByTimeAsync(1_099);
    expect(probed).toEqual(["a"]);
    await vi.advanceTimersByTimeAsync(1); // 1 000 + 0.5 × 200 ms after the first
    expect(probed).toEqual(["a", "a"]);

    instancer.set([instance("b"), instance("c", "DOWN")]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(probed.filter((id) => id === "a")).toHaveLength(2); // removed: no more probes
    expect(probed).toContain("b");
    expect(probed).not.toContain("c"); // only UP instances are probed
    expect(checker.isHealthy("c")).toBe(true); // unknown ids are not held against anyone

    checker.close();
    const before = probed.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(probed).toHaveLength(before);
  });
});
