// The fleet of this example as real processes: the registry CLI, and src/*.ts run with tsx (siblings from source).
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

const example = new URL("..", import.meta.url).pathname;
const children: ChildProcess[] = [];

/** The first JSON line the child prints with `event: "listening"`; rejects if it exits before. */
function listening(child: ChildProcess): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const event = line.startsWith("{") ? (JSON.parse(line) as Record<string, unknown>) : {};
      if (event.event !== "listening") return;
      lines.close();
      resolve(event);
    });
    child.once("exit", (code) => reject(new Error(`a fleet process exited (${code}) before it listened`)));
  });
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const child = spawn(process.execPath, args, {
    cwd: example,
    env: { ...process.env, NODE_ENV: "test", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return listening(child);
}

/** Starts `outrigger-registry` with `token` on a free port; resolves with its URL. */
export async function startRegistry(token: string): Promise<string> {
  const require = createRequire(join(example, "package.json"));
  const manifest = require.resolve("@outrigger/registry-server/package.json");
  const bin = (require(manifest) as { bin: Record<string, string> }).bin["outrigger-registry"] ?? "";
  const started = await run([join(dirname(manifest), bin), "--port", "0", "--token", token], {});
  return `http://127.0.0.1:${started.port}`;
}

/** Runs `src/<name>.ts` against the registry; resolves with what it printed when it listened. */
export function startService(
  name: "stock" | "checkout",
  registryUrl: string,
  token: string,
): Promise<Record<string, unknown>> {
  return run(["--conditions=@outrigger/source", "--import", "tsx", `src/${name}.ts`], {
    NODE_CONFIG_DIR: join(example, "config", name),
    REGISTRY_URL: `${registryUrl}/eureka`,
    REGISTRY_TOKEN: token,
  });
}

/** SIGTERM to every process started, and waits for each to end. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    children.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const ended = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      return ended;
    }),
  );
}
