import { describe, expect, it } from "vitest";
import { ALL_VARIANTS, VARIANTS } from "../scenarios/variant-names.js";
import { POOL } from "../variants/downstream.js";
import { policyByName } from "../variants/policy.js";
import { clientTable, connectionRows } from "./connection-setup.js";
import type { SteadySummary } from "./steady-summary.js";

describe("connection setup table", () => {
  const rows = connectionRows(policyByName("matched"));

  it("documents every variant, in the order they run, and only a run's own when given them", () => {
    expect(rows.map((r) => r[0])).toEqual([...ALL_VARIANTS]);
    expect(connectionRows(policyByName("matched"), VARIANTS).map((r) => r[0])).toEqual([...VARIANTS]);
  });

  it("says which transport each axios arm uses: the SDK as shipped on undici, the sidecar's and direct on the http adapter", () => {
    const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
    expect(byName.sdk?.[1]).toContain("default **undici** transport");
    expect(byName.sdk?.[2]).toContain("undici `Pool` per instance with undici's defaults");
    for (const v of ["direct", "haproxy-http", "haproxy-tcp"]) expect(byName[v]?.[1]).toContain("default http adapter");
    expect(byName["sdk-axios-http"]?.[1]).toContain('transport: "http"');
    expect(byName["sdk-axios-http"]?.[2]).toContain("keepAlive: true");
  });

  it("shows the same pool on every undici client and the in-flight cap only where governance sets one", () => {
    const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
    for (const v of ["direct-undici", "sdk-undici", "haproxy-http-undici"])
      expect(byName[v]?.[2]).toContain(`connections: ${POOL.connections}\`, pipelining 1`);
    expect(byName["sdk-undici"]?.[3]).toContain("maxInFlightPerInstance: 64");
    expect(byName["haproxy-http-undici"]?.[3]).toContain("maxconn 64");
    expect(byName["direct-undici"]?.[3]).toContain("no governance");
  });
});

describe("client diagnostics table", () => {
  const spread = (median: number) => ({ median, min: median, max: median, n: 1 });
  const summary = (peak: number, majorGcCount = Number.NaN, beforeSettle = Number.NaN): SteadySummary =>
    ({
      client: {
        majorGcCount: spread(majorGcCount),
        majorGcsBeforeMeasuring: spread(beforeSettle),
        connectionsOpened: spread(12),
        connectionsOpen: spread(9),
        peakInFlight: spread(peak),
        gcCount: spread(30),
        gcMaxMs: spread(4.2),
        gcTotalMs: spread(40),
        loopDelayMaxMs: spread(61.5),
      },
    }) as unknown as SteadySummary;

  it("shows each variant's connections, calls in flight, GC and loop delay, and leaves out runs without them", () => {
    const lines = clientTable({ "direct-undici": summary(40, 2), old: summary(Number.NaN) });
    expect(lines[0]).toContain("| direct-undici | 12 | 9 | 40 | 30 (2) | – | 4.2 | 40.0 | 61.5 |");
    // A run before mark-compacts were counted apart shows the GC count alone.
    expect(clientTable({ "direct-undici": summary(40) })[0]).toContain(
      "| direct-undici | 12 | 9 | 40 | 30 | – | 4.2 |",
    );
    // From 2026-12-03-full-18 each client says how many mark-compacts it ran before its windows.
    expect(clientTable({ sdk: summary(40, 0, 2) })[0]).toContain("| sdk | 12 | 9 | 40 | 30 (0) | 2 | 4.2 |");
    expect(lines[0]).not.toContain("| old |");
    expect(clientTable({ old: summary(Number.NaN) })).toEqual([]);
  });
});
