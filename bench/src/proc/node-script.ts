import { fileURLToPath } from "node:url";
import { BenchProcess } from "./child.js";
import { tracedCommand } from "./connect-trace.js";
import { pinned } from "./pin.js";

// Resolved once from this package, so children find tsx whatever their working directory.
const TSX = import.meta.resolve("tsx");

/**
 * Starts a bench TypeScript entry (path relative to `src/`) as a Node process pinned to `core`; with `connectLog`,
 * every connection it opens is logged there (`tracedCommand`).
 */
export function startScript(
  name: string,
  core: number,
  script: string,
  env: NodeJS.ProcessEnv = {},
  connectLog?: string,
): BenchProcess {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const node: [string, string[]] = [process.execPath, ["--import", TSX, file]];
  const [command, args] = pinned(core, ...(connectLog ? tracedCommand(connectLog, ...node) : node));
  return new BenchProcess(name, command, args, env, connectLog !== undefined);
}
