// A client process for the control-plane tests: createOutrigger with a seeded control plane, driven by JSON lines on
// stdin ({"id", "n", "path", "headers", "concurrency"}), answering JSON lines on stdout: every revision applied or
// refused ({"event":"apply",…}) and, per command, the answers it saw by instance version and status.
import { createInterface } from "node:readline";
import { createOutrigger } from "../outrigger.js";

const [registryUrl = "", stateDir = ""] = process.argv.slice(2);
const og = await createOutrigger({
  service: "caller",
  port: 0,
  config: {
    outrigger: {
      registry: { url: registryUrl, enabled: false, watchWaitMs: 30_000 },
      shutdown: { signals: [] },
      clients: { waitForInstancesMs: 10_000 },
    },
  },
  controlPlane: { seed: 19, processId: `client-${process.pid}`, ...(stateDir ? { stateDir } : {}) },
  logger: { warn: (message: string) => process.stderr.write(`client: ${message}\n`) },
});
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
og.controlPlane.onApply((event) => say({ event: "apply", ...event }));

interface Command {
  readonly id: number;
  readonly n: number;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly concurrency?: number;
  /** Answers slower than this many ms are counted as `slow` (a fault delay). */
  readonly slowMs?: number;
  /** Send through og.http (axios) instead of og.fetch. */
  readonly via?: "http";
}

/** One call: the answering instance's version, or the status / error code. */
async function call(command: Command): Promise<string> {
  const url = `lb://backend${command.path ?? "/"}`;
  if (command.via === "http") {
    const answer = await og.http.get(url, { headers: command.headers ?? {}, validateStatus: () => true });
    return answer.status === 200 ? (answer.data as { version: string }).version : String(answer.status);
  }
  const answer = await og.fetch(url, { headers: command.headers ?? {} });
  const body = await answer.text();
  return answer.status === 200 ? (JSON.parse(body) as { version: string }).version : String(answer.status);
}

async function run(command: Command): Promise<void> {
  const seen: Record<string, number> = {};
  let slow = 0;
  let next = 0;
  const worker = async () => {
    while (next < command.n) {
      next += 1;
      const started = performance.now();
      let key: string;
      try {
        key = await call(command);
      } catch (error) {
        key = (error as { code?: string }).code ?? "error";
      }
      if (command.slowMs !== undefined && performance.now() - started >= command.slowMs) slow += 1;
      seen[key] = (seen[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: command.concurrency ?? 1 }, worker));
  say({ event: "done", id: command.id, seen, slow });
}

say({ event: "ready" });
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => void run(JSON.parse(line) as Command));
lines.on("close", () => void og.close().then(() => process.exit(0)));
