// A client process for the control-plane tests: createOutrigger with a seeded control plane, driven by JSON lines on
// stdin ({"id", "n", "path", "headers", "concurrency"}), answering JSON lines on stdout: every revision applied or
// refused ({"event":"apply",…}) and, per command, the answers it saw by instance version and status (or error code).
// Args: registry URL (…/eureka), and a state directory (optional).
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
  /** Also report the answering instances' ids, in the order the answers came. */
  readonly ids?: boolean;
}

/** One call's outcome: the instance version (or status / error code) and the answering instance's id. */
interface Outcome {
  readonly key: string;
  readonly id?: string;
}

/** One call: the answering instance's version and id, or the status. */
async function call(command: Command): Promise<Outcome> {
  const url = `lb://backend${command.path ?? "/"}`;
  let status: number;
  let body: unknown;
  if (command.via === "http") {
    const answer = await og.http.get(url, { headers: command.headers ?? {}, validateStatus: () => true });
    status = answer.status;
    body = answer.data;
  } else {
    const answer = await og.fetch(url, { headers: command.headers ?? {} });
    status = answer.status;
    const text = await answer.text();
    body = status === 200 ? JSON.parse(text) : text;
  }
  if (status !== 200) return { key: String(status) };
  const { version, id } = body as { version: string; id: string };
  return { key: version, id };
}

async function run(command: Command): Promise<void> {
  const seen: Record<string, number> = {};
  const ids: string[] = [];
  let slow = 0;
  let next = 0;
  const worker = async () => {
    while (next < command.n) {
      next += 1;
      const started = performance.now();
      let key: string;
      try {
        const outcome = await call(command);
        key = outcome.key;
        if (command.ids && outcome.id) ids.push(outcome.id);
      } catch (error) {
        // og.fetch's errors come wrapped by fetch ("fetch failed", the cause og's); og.http's are og's own.
        const { code, cause } = error as { code?: string; cause?: { code?: string } };
        key = cause?.code ?? code ?? "error";
      }
      if (command.slowMs !== undefined && performance.now() - started >= command.slowMs) slow += 1;
      seen[key] = (seen[key] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: command.concurrency ?? 1 }, worker));
  say({ event: "done", id: command.id, seen, slow, ...(command.ids ? { ids } : {}) });
}

say({ event: "ready" });
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => void run(JSON.parse(line) as Command));
lines.on("close", () => void og.close().then(() => process.exit(0)));
