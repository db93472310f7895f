import { appendFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { BenchProcess } from "./child.js";
import { tracedCommand } from "./connect-trace.js";
import { nodeCommand } from "./node-flags.js";
import { pinned } from "./pin.js";

// Resolved once from this package, so children find tsx whatever their working directory.
const TSX = import.meta.resolve("tsx");

/**
 * Starts a bench TypeScript entry (path relative to `src/`) as a Node process pinned to `core`; with `connectLog`,
 * every connection it opens is logged there (`tracedCommand`). With `BENCH_TRACE_GC=<file>` in the environment, each
 * process runs with `--trace-gc` and its mark-compacts are appended to that file, one line each: wall-clock ms, the
 * process's name, V8's line.
 */
export function startScript(
  name: string,
  core: number,
  script: string,
  env: NodeJS.ProcessEnv = {},
  connectLog?: string,
): BenchProcess {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const gcLog = process.env.BENCH_TRACE_GC;
  const node = nodeCommand(file, TSX, gcLog !== undefined && gcLog !== "");
  const [command, args] = pinned(core, ...(connectLog ? tracedCommand(connectLog, ...node) : node));
  const child = new BenchProcess(name, command, args, env, connectLog !== undefined);
  if (gcLog) {
    child.onText((line) => {
      if (line.includes("Mark-Compact")) appendFileSync(gcLog, `${Date.now()} ${name} ${line}\n`);
    });
  }
  return child;
}
