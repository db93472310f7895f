import type { Interval, Spread } from "@outrigger/bench-stats";
import { httpSidecarConfig, serverKeywords } from "../haproxy/config.js";
import type { SkippedCells } from "../scenarios/steady.js";
import { policyByName } from "../variants/policy.js";
import { SDK_GAPS } from "../variants/sdk.js";
import { CONNECTION_NOTE, clientTable, connectionRows, PAIRING_NOTE } from "./connection-setup.js";
import type { CpuSummary } from "./cpu-summary.js";
import { failureSection } from "./failure-section.js";
import { type ErrorComparison, formatInterval, type GoalCheck } from "./goals.js";
import { istioSection } from "./istio.js";
import { DISCUSSION, METHOD_NOTES, POLICY_ROWS, pairedWindows } from "./prose.js";
import type { RateSummary } from "./steady-summary.js";
import type { FailureSummary } from "./summarise.js";
import { formatSpread, table } from "./table.js";

/** Everything the report is written from. */
export interface ReportInput {
  readonly date: string;
  readonly environment: Record<string, string>;
  readonly options: Record<string, unknown>;
  readonly steady: Record<string, RateSummary>;
  /** Steady cells not run: the rate was above 80% of the variant's closed-loop capacity. */
  readonly skipped: SkippedCells;
  readonly cpu: Record<string, CpuSummary>;
  readonly failures: Record<string, Record<string, FailureSummary>>;
  /** SDK − HAProxy errors per failure run, paired by repetition (`errorComparisons`): the goals and the figures of scenarios not judged. */
  readonly errorComparisons?: readonly ErrorComparison[];
  readonly goals: readonly GoalCheck[];
  readonly charts: readonly string[];
  /** The machine was busy with other work when the run started (see the load average): figures are noisier. */
  readonly loadedMachine: boolean;
  /** The variants the run measured (their rows in the connection-setup table); default every variant. */
  readonly variants?: readonly string[];
  /** The latency goals pooled only the repetitions in which the cells they compare were on time (`RawResults.method`). */
  readonly perGoalPooling?: boolean;
  /** Each steady pass ran its rates in an order rotated by the pass (`RawResults.method.rateOrder`), not ascending. */
  readonly ratesRotated?: boolean;
  /** Each steady client was warmed to a random point of its heap cycle (`RawResults.method.warmUpPhase`). */
  readonly randomPhase?: boolean;
  /** Every Node process ran with its young generation held at 16 MB (`RawResults.method.v8Flags`). */
  readonly youngGenerationFixed?: boolean;
}

const PCTS = ["p50", "p90", "p99", "p99.9"];

/** How the run's clients lived: one process per variant for the whole run (runs before 2026-12-01's fix), or anew. */
function freshClients(options: Record<string, unknown>): string {
  const warm = options.clientWarmupMs;
  if (typeof warm !== "number")
    return " Each variant's client (and sidecar) was started once per phase and served every repetition.";
  return ` Every CPU round and every steady pass starts each variant's client (and sidecar) anew and warms the client with a closed-loop burst (${warm} ms at ${String(options.concurrency)} in flight) before its cells, so each repetition of a cell runs on its own processes and the intervals over repetitions carry each process's luck (JIT, heap layout), not only the machine's.`;
}
const ms = (n: number | undefined, digits = 2): string =>
  n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : "n/a";
const us = (s: Spread | undefined): string =>
  formatSpread(s && { ...s, median: s.median * 1000, min: s.min * 1000, max: s.max * 1000 }, 0);

function cpuSection(cpu: ReportInput["cpu"]): string[] {
  if (Object.keys(cpu).length === 0) return [];
  return [
    "## Governance CPU (closed loop)",
    "",
    "Each variant in a closed loop (the generator keeps the same number of requests in flight), every round running each variant once, interleaved; CPU per request = client + sidecar CPU in the window ÷ requests completed in it. Governance CPU = that minus the baseline's (same transport) in the same round; mean over the clean rounds (neither side failed more than 1% of its requests: a request failed fast costs less CPU than a served one), 95% bootstrap interval over rounds in brackets.",
    "",
    table(
      [
        "variant",
        "baseline",
        "rounds",
        "requests/s",
        "client µs/req",
        "sidecar µs/req",
        "client core busy",
        "clean rounds",
        "governance µs/req [95% CI]",
      ],
      Object.entries(cpu).map(([v, c]) => [
        v,
        v.startsWith("direct") ? "—" : c.baseline,
        String(c.rounds),
        formatSpread(c.throughputPerSec, 0),
        us(c.clientCpuMsPerReq),
        v.startsWith("haproxy") ? us(c.sidecarCpuMsPerReq) : "—",
        formatSpread(c.clientCoreShare, 2),
        v.startsWith("direct") ? "—" : `${c.cleanRounds}/${c.rounds}`,
        v.startsWith("direct") ? "—" : formatInterval(scaled(c.governanceCpuMsPerReq, 1000), 0),
      ]),
    ),
    "",
  ];
}

const scaled = (i: Interval, k: number): Interval => ({ ...i, estimate: i.estimate * k, lo: i.lo * k, hi: i.hi * k });

/**
 * Which variants were not run at `rate` and by which rule: from run 2026-12-01, every closed-loop round below the
 * rate (`belowEveryRound`); before, above 80% of the median round — told apart by the rounds themselves, so
 * re-rendered older runs keep their own rule's words.
 */
function notRunLine(rate: number, variants: readonly string[], cpu: ReportInput["cpu"]): string {
  const said = variants.map((v) => {
    const t = cpu[v]?.throughputPerSec;
    if (!t) return v;
    return t.max < rate
      ? `${v} (every closed-loop round below the rate, max ${t.max.toFixed(0)}/s)`
      : `${v} (above 80% of its median closed-loop round, ${t.median.toFixed(0)}/s: the rule of runs before 2026-12-01, while a round reached ${t.max.toFixed(0)}/s)`;
  });
  return `Not run at this rate (past the variant's capacity an open loop only queues): ${said.join(", ")}.`;
}

function steadySection(steady: ReportInput["steady"], skipped: SkippedCells, cpu: ReportInput["cpu"]): string[] {
  const out: string[] = ["## Steady state (open loop)", ""];
  for (const [rate, summary] of Object.entries(steady)) {
    const byVariant = summary.byVariant;
    out.push(`### ${rate} requests/s`, "");
    const notRun = Object.keys(skipped[rate] ?? {});
    if (notRun.length > 0) out.push(notRunLine(Number(rate), notRun, cpu), "");
    out.push(
      table(
        [
          "variant",
          "runs accepted",
          ...PCTS.map((p) => `${p} ms (n)`),
          "added p99 ms [95% CI]",
          "added p99.9 ms [95% CI]",
        ],
        Object.entries(byVariant).map(([v, s]) => [
          v,
          `${s.accepted}/${s.runs}`,
          ...PCTS.map((p) => `${ms(s.latencyMs[p])} (${s.samples})`),
          ...["p99", "p99.9"].map((p) => (v.startsWith("direct") ? "—" : formatInterval(s.addedMs[p], 2))),
        ]),
      ),
      "",
      ...pathTable(byVariant),
      table(
        [
          "variant",
          "over",
          "client CPU ms/req",
          "sidecar CPU ms/req",
          "client core busy",
          "client RSS MB",
          "sidecar RSS MB",
          "error rate",
        ],
        Object.entries(byVariant).map(([v, s]) => [
          v,
          v.startsWith("direct") ? "—" : s.baseline,
          formatSpread(s.clientCpuMsPerReq, 3),
          v.startsWith("haproxy") ? formatSpread(s.sidecarCpuMsPerReq, 3) : "—",
          formatSpread(s.clientCoreShare, 2),
          formatSpread(s.clientRssMb, 1),
          v.startsWith("haproxy") ? formatSpread(s.sidecarRssMb, 1) : "—",
          formatSpread(s.errorRate, 4),
        ]),
      ),
      "",
      ...clientTable(byVariant),
      `![latency CDF at ${rate}/s](latency-cdf-${rate}rps.svg)`,
      "",
    );
  }
  out.push("![CPU per request](cpu-per-request.svg)", "");
  return out;
}

/**
 * The same latencies less the answering upstream's own time (its `Server-Timing`): the time outside the upstream,
 * which the latency goals compare where a run has it. Nothing for runs without path histograms.
 */
function pathTable(byVariant: RateSummary["byVariant"]): string[] {
  const rows = Object.entries(byVariant).filter(([, s]) => s.path !== undefined);
  if (rows.length === 0) return [];
  return [
    "Per request, from the actual send, upstream time excluded (the upstream's `Server-Timing` subtracted; the latency goals rest on these):",
    "",
    table(
      ["variant", ...PCTS.map((p) => `path ${p} ms (n)`), "added p99 ms [95% CI]", "added p99.9 ms [95% CI]"],
      rows.map(([v, s]) => {
        const path = s.path as NonNullable<typeof s.path>;
        return [
          v,
          ...PCTS.map((p) => `${ms(path.latencyMs[p])} (${path.samples})`),
          ...["p99", "p99.9"].map((p) => (v.startsWith("direct") ? "—" : formatInterval(path.addedMs[p], 2))),
        ];
      }),
    ),
    "",
  ];
}

/** Decimals a scenario figure is shown with: ratios and sub-millisecond timings need them, the rest do not. */
/** The whole report as Markdown. */
export function renderReport(input: ReportInput): string {
  const matched = policyByName("matched");
  return [
    `# Outrigger SDK vs HAProxy sidecar — ${input.date}`,
    "",
    input.loadedMachine
      ? "> **Measured on a loaded machine.** Other work shared the 2 cores during this run (load average in the table below). Latency tails and CPU per request are inflated and noisy; runs may be marked rejected by the 99%-of-target-rate rule. Re-run on a quiet machine (`npx -y pnpm@10.34.8 --filter @outrigger/bench bench`) before quoting any figure."
      : "> Measured on a shared 2-core machine that was quiet at the start of the run (load average in the table below); noise from other tenants of the host is still possible: compare medians with their min–max spread.",
    "",
    "## Goals",
    "",
    table(
      ["goal", "met?", "figures"],
      input.goals.map((g) => [g.goal, g.status === "missed" ? "**missed**" : g.status, g.detail]),
    ),
    "",
    "## Setup",
    "",
    table(
      ["", ""],
      Object.entries(input.environment).map(([k, v]) => [k, v]),
    ),
    "",
    `Options: \`${JSON.stringify(input.options)}\``,
    "",
    "Processes are pinned with `taskset`: the load generator, the upstream fleet (one Node process per instance), the registry and the orchestrator on core 0; the client service and its sidecar (HAProxy, `nbthread 1`, plus its registry sync agent) on core 1. Every Node process (clients, generator, upstreams, registry, sync agent) runs with V8's `--no-memory-reducer`: the reducer's full GCs in processes idle between their windows landed in other variants' windows (bench/README.md, \"The memory reducer\")." +
      (input.youngGenerationFixed
        ? ' They also run with `--min-semi-space-size=16`: V8 shrinks a young generation whose process allocates under 1 MB/s, as a client idling through the other variants\' windows does, and the next fast window then met a 1 MB young generation, scavenged ~3× as often, promoted far more and mark-compacted within seconds (bench/README.md, "The young generation held at its loaded size").'
        : "") +
      " Each run has a warm-up at the same rate before the measured window." +
      freshClients(input.options) +
      pairedWindows(input.options) +
      " Latency is measured by an open-loop generator from each request's *intended* send time (HdrHistogram, µs resolution). A run is rejected when fewer than 99% of the target rate's requests left within 10 ms of their intended time; a rate's percentiles pool the histograms of the repetitions in which every variant was accepted (all, flagged by the accepted count, when none was), and `(n)` is the number of latencies pooled. Repetitions are interleaved (in rounds of one rate and repetition, every variant once per round, variant order rotated each repetition; rates with fewer repetitions spread evenly among the others' passes)." +
      (input.ratesRotated
        ? " Inside a pass the rates' order is rotated by the pass, so each rate is a pass's first and last in turn: a client's heap fills as its pass goes on, and with one fixed order its next mark-compact fell in the same rate's windows pass after pass; the fast windows still hold most of a pass's requests, so they still carry most mark-compacts (the diagnostics table counts them; bench/README.md, \"Rates rotated inside a pass\")."
        : "") +
      (input.randomPhase
        ? ' Each steady client, once warm, had closed-loop load on to a uniformly random point of its heap cycle (the load between two of its mark-compacts under load, timed on that client), so its next mark-compact falls anywhere in its pass, each window getting the chance its share of a cycle gives it, as in a long-running service; before, it fell at the same place pass after pass (bench/README.md, "A random place in the heap cycle").'
        : "") +
      " Intervals are 95% percentile-bootstrap intervals over whole repetitions (2 000 resamples, fixed seed; none below 5 repetitions); a goal is met or missed only when its interval lies wholly on one side of the threshold — for a latency goal the non-inferiority margin, 10% of the sidecar's own percentile, so a tie with HAProxy counts as at its figure and the details say whether the SDK was below, tied or above within the margin (bench/README.md, \"Ties: the non-inferiority margin\") — and a tail goal also needs ≥ 1 000 (p99) or ≥ 10 000 (p99.9) samples in every cell it compares. Where a run has them, the latency goals compare the *path* per request — from the actual send to the answer, less the answering upstream's own time (its `Server-Timing` header), so the upstream's service-time spread and the generator's send lateness, the same on every path, do not hide the paths' difference (bench/README.md). Other figures show the median and, in brackets, min–max." +
      (input.perGoalPooling
        ? " A latency goal pools only the repetitions in which the cells it compares (the SDK variant, its sidecar and their baselines) were all accepted, so its repetition count may exceed the table's: a late repetition of another variant does not drop the pair's."
        : ""),
    "",
    "## Policies, matched",
    "",
    table(["policy", "Outrigger SDK", "HAProxy sidecar"], POLICY_ROWS(matched, serverKeywords(matched).join(" "))),
    "",
    "<details><summary>HAProxy HTTP-mode config (servers are added at run time)</summary>",
    "",
    "```",
    httpSidecarConfig({ port: 0, socketPath: "<tmp>/admin.sock" }, matched).trim(),
    "```",
    "",
    "</details>",
    "",
    "### What the SDK cannot express yet",
    "",
    ...SDK_GAPS.map((g) => `- ${g}`),
    "",
    "## Connection setup, like for like",
    "",
    table(
      ["variant", "client (transport)", "connections", "requests in flight per upstream capped by"],
      connectionRows(matched, input.variants),
    ),
    "",
    PAIRING_NOTE,
    "",
    CONNECTION_NOTE,
    "",
    ...cpuSection(input.cpu),
    ...steadySection(input.steady, input.skipped, input.cpu),
    ...istioSection(input.steady, input.cpu),
    ...failureSection(input.failures, input.errorComparisons ?? []),
    "## Discussion",
    "",
    DISCUSSION,
    "",
    "## Method notes and caveats",
    "",
    METHOD_NOTES,
    "",
    `Raw data: [raw.json](raw.json) (every run, with its histogram) · summary: [summary.json](summary.json) · charts: ${input.charts.map((c) => `[${c}](${c})`).join(", ")}.`,
    "",
  ].join("\n");
}
