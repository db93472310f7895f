import { fileURLToPath } from "node:url";
import { BenchProcess } from "./child.js";
import { pinned } from "./pin.js";

// Resolved once from this package, so children find tsx whatever their working directory.
const TSX = import.meta.resolve("tsx");

/** Starts a bench TypeScript entry (path relative to `src/`) as a Node process pinned to `core`. */
export function startScript(name: string, core: number, script: string, env: NodeJS.ProcessEnv = {}): BenchProcess {
  const file = fileURLToPath(new URL(`../${script}`, import.meta.url));
  const [command, args] = pinned(core, process.execPath, ["--import", TSX, file]);
  return new BenchProcess(name, command, args, env);
}
