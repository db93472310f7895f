// `pnpm --filter @outrigger/loadbalancer bench`: the scenario benchmarks, then the microbenchmark; the last line
// is one JSON object with every figure. `tsx bench/run.ts a,c,micro,metrics` runs only the named parts.

import { checkGoals } from "./goals.js";
import { runMetricsCost } from "./metrics-cost.js";
import { runMicro } from "./micro.js";
import { runScenarios, SCALE } from "./scenarios.js";

const SEEDS = [1, 2, 3];
const only = process.argv[2] ? new Set(process.argv[2].split(",")) : undefined;

console.log("Outrigger load balancer benchmarks. Shared 2-core machine, other builds running: figures are noisy.");
console.log(
  `Seeds ${SEEDS.join(", ")}; time-based scenarios scaled 1/${SCALE}. "bad" = share of attempts reaching the bad instance.`,
);
const rows = only && [...only].every((x) => x === "micro" || x === "metrics") ? [] : await runScenarios(SEEDS, only);
const goals = checkGoals(rows);
console.log("\nGoals:");
for (const g of goals) console.log(`  ${g.pass ? "PASS" : "FAIL"} ${g.scenario}: ${g.goal} (${g.measured})`);
const metricsCost = !only || only.has("metrics") ? runMetricsCost() : undefined;
const micro = !only || only.has("micro") ? await runMicro() : undefined;
console.log(
  JSON.stringify({
    seeds: SEEDS,
    scale: SCALE,
    scenarios: rows,
    goals,
    ...(metricsCost ? { metricsCost } : {}),
    ...(micro ? { micro } : {}),
  }),
);
