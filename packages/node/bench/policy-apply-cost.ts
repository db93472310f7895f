// bench:policy-apply — the CPU one process spends applying a revision, without the HTTP around it: ControlPlane's
// `offer` (check, build, swap, re-apply hook, ACK event) for the revisions bench:policy-push pushes (the
// destination's retries and timeout change each time), and for a canary policy (two subsets, three routes, the
// split moving). CPU time (`process.cpuUsage`, user + system) per offer, mean of 30 batches of 200 offers with its
// 95% interval, after a warm-up batch: a figure little moved by other work on the machine, unlike a latency tail.
// It runs the sources through tsx, as the tests do (tsx's esbuild keeps function names with a call per function
// made, which a build does not: the built package costs less), so compare its figures with each other only.
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import type { ServicePolicy } from "@outrigger/policy";
import { ControlPlane } from "../src/control-plane/control-plane.js";
import { hostFor } from "../src/control-plane/host.fixture.js";

const BATCHES = 30;
const PER_BATCH = 200;

/** What bench:policy-push pushes: the destination's retries and total timeout change every revision. */
const pushed = (revision: number): ServicePolicy => ({
  destination: { retry: { maxAttempts: 1 + (revision % 3) }, timeout: { totalMs: 1_000 + revision } },
});
/** A canary: subsets v1/v2 (v2 with a bulkhead of its own), a header route with a timeout, a moving split. */
const canary = (revision: number): ServicePolicy => ({
  destination: {
    retry: { maxAttempts: 2 },
    subsets: [
      { name: "v1", labels: { version: "v1" } },
      { name: "v2", labels: { version: "v2" }, trafficPolicy: { bulkhead: { maxConcurrent: 10 } } },
    ],
  },
  routes: [
    { match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }], timeout: { totalMs: 900 } },
    {
      route: [
        { subset: "v1", weight: 100 - (revision % 50) },
        { subset: "v2", weight: revision % 50 },
      ],
    },
    { match: [{ uri: { prefix: "/v1" } }], route: [{ subset: "v1" }], retry: { maxAttempts: 1 + (revision % 2) } },
  ],
});

function measure(policyOf: (revision: number) => ServicePolicy): number[] {
  const plane = new ControlPlane("bench", {}, hostFor([]));
  let revision = 0;
  const batch = () => {
    const from = process.cpuUsage();
    for (let i = 0; i < PER_BATCH; i += 1) {
      revision += 1;
      plane.offer("target", { service: "TARGET", revision, policy: policyOf(revision) }, "registry");
    }
    const cpu = process.cpuUsage(from);
    return (cpu.user + cpu.system) / PER_BATCH;
  };
  batch();
  return Array.from({ length: BATCHES }, batch);
}

console.log(`policy apply cost (${BATCHES} batches × ${PER_BATCH} offers); ${loadAverageLine()}`);
for (const [name, policyOf] of [
  ["bench:policy-push's revisions", pushed],
  ["canary (2 subsets, 3 routes)", canary],
] as const) {
  console.log(`  ${name}: CPU per offer ${formatInterval(meanInterval(measure(policyOf)), 1)} µs`);
}
console.log(loadAverageLine());
