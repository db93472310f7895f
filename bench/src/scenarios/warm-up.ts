// How a new client's warm-up ends: closed-loop load until its first mark-compact under load (see `startWarm` in
// fresh.ts for why), without the process plumbing, so the rule is tested on its own.
import { nowMs } from "../load/run.js";
import type { BenchOptions } from "../options.js";
import type { BenchProcess } from "../proc/child.js";
import type { RunningVariant } from "./variant.js";
import type { VariantName } from "./variant-names.js";

const START_LEAD_MS = 100;

/** How a client's warm-up ended (`startWarm`). */
export interface WarmedUp {
  /** Closed-loop load it got, ms (`clientWarmupMs` plus the extension). */
  readonly warmupMs: number;
  /** Mark-compacts since its start when measuring began; `underLoad`: whether one came during the warm-up. */
  readonly majorGcs: number;
  readonly underLoad: boolean;
}

/** The warm-up is extended in steps of this much load until the client's first mark-compact under load. */
const EXTENSION_STEP_MS = 500;
/**
 * …but by no more than this: about twice what the SDK's axios client needed on 2026-12-03's hosts (~26 000
 * requests, 3.5–6.5 s). A client that promotes too little to reach one by then (now and then `sdk-undici`, in
 * full-18) is measured as it is; the progress log says so ("cap reached").
 */
const EXTENSION_MAX_MS = 8_000;

/** Closed-loop load on `variant` until its first mark-compact under load (see `startWarm`), then marks it warm. */
export async function warmUp(
  variant: RunningVariant,
  generator: BenchProcess,
  options: Pick<BenchOptions, "clientWarmupMs" | "concurrency">,
): Promise<WarmedUp> {
  // A command's reply, or the process's error for it, named.
  const ask = async (to: BenchProcess, what: string, command: Record<string, unknown>) => {
    const reply = await to.request(command);
    if (reply.error) throw new Error(`${what}: ${String(reply.error)}`);
    return reply;
  };
  const majorGcs = async (): Promise<number> =>
    (await ask(variant.client, `client ${variant.name} (major-gcs)`, { cmd: "major-gcs" })).majorGcs as number;
  const burst = async (ms: number): Promise<void> => {
    await ask(generator, `load generator (warm-up of ${variant.name})`, {
      cmd: "closed",
      url: variant.url,
      concurrency: options.concurrency,
      startAt: nowMs() + START_LEAD_MS,
      warmupMs: ms,
      durationMs: 0,
    });
  };
  const before = await majorGcs();
  let warmupMs = 0;
  if (options.clientWarmupMs > 0) {
    await burst(options.clientWarmupMs);
    warmupMs = options.clientWarmupMs;
    while ((await majorGcs()) === before && warmupMs < options.clientWarmupMs + EXTENSION_MAX_MS) {
      await burst(EXTENSION_STEP_MS);
      warmupMs += EXTENSION_STEP_MS;
    }
  }
  const warmed = await ask(variant.client, `client ${variant.name} (warmed-up)`, { cmd: "warmed-up" });
  const after = warmed.majorGcs as number;
  return { warmupMs, majorGcs: after, underLoad: after > before };
}

/** One line for the progress log: how a client's warm-up ended. */
export function describeWarm(variant: VariantName, w: WarmedUp): string {
  const why = w.underLoad ? "until its first mark-compact under load" : "no mark-compact under load (cap reached)";
  return `warmed ${variant}: ${w.warmupMs} ms of closed-loop load, ${why}; ${w.majorGcs} since its start`;
}
