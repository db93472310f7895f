import { describe, expect, it } from "vitest";
import { foldEdges } from "./fleet-edges.js";

const dest = (service: string, extra: Record<string, unknown> = {}) => ({
  service,
  rps: 10,
  errorPct: 0,
  p50Ms: 2,
  p99Ms: 9,
  calls: 100,
  breaker: "closed",
  ejected: [],
  ejectedCount: 0,
  ...extra,
});

describe("foldEdges (Turbine's role: one edge per caller → service over the caller's processes)", () => {
  it("adds rates and calls, recomputes error % from them, takes the worst percentiles, counts breakers", () => {
    const edges = foldEdges(
      [
        {
          caller: "CHECKOUT",
          update: {
            destinations: [dest("stock", { errorPct: 50, p99Ms: 300, breaker: "open", ejected: ["s-1"], budget: 4 })],
          },
        },
        { caller: "CHECKOUT", update: { destinations: [dest("stock", { calls: 300, rps: 30, budget: 9 })] } },
        { caller: "CART", update: { destinations: [dest("stock")] } },
      ],
      256,
    );
    expect(edges).toEqual([
      expect.objectContaining({ caller: "CART", service: "stock", processes: 1 }),
      {
        caller: "CHECKOUT",
        service: "stock",
        processes: 2,
        rps: 40,
        errorPct: 12.5,
        p50Ms: 2,
        p99Ms: 300,
        breakers: { closed: 1, open: 1, "half-open": 0 },
        ejected: ["s-1"],
        budget: 4,
      },
    ]);
  });

  it("reads a process's update as untrusted input: wrong types, huge lists and negative numbers do no harm", () => {
    const many = Array.from({ length: 1000 }, (_, i) => dest(`svc-${i}`));
    const edges = foldEdges(
      [
        { caller: "A", update: null },
        { caller: "A", update: { destinations: "nope" } },
        {
          caller: "A",
          update: {
            destinations: [{ service: 7 }, dest("x", { rps: -5, errorPct: 1e9, p99Ms: "slow", ejected: "all" })],
          },
        },
        { caller: "B", update: { destinations: many } },
      ],
      256,
    );
    expect(edges.find((e) => e.caller === "A")).toMatchObject({
      service: "x",
      rps: 0,
      errorPct: 100,
      p99Ms: 0,
      ejected: [],
    });
    expect(edges.filter((e) => e.caller === "B")).toHaveLength(256);
  });
});
