import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer as netServer } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

/** A child process that speaks JSON lines: `next(event)` resolves with the next line whose `event` matches. */
export interface LineProcess {
  readonly child: ChildProcess;
  next(event: string, where?: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  send(line: object): void;
  stop(): Promise<void>;
}

function lineProcess(child: ChildProcess): LineProcess {
  const waiters: { event: string; where: (l: Record<string, unknown>) => boolean; resolve: (l: never) => void }[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const found = waiters.find((w) => w.event === line.event && w.where(line));
    if (found) {
      waiters.splice(waiters.indexOf(found), 1);
      found.resolve(line as never);
    }
  });
  return {
    child,
    next: (event, where = () => true) => new Promise((resolve) => waiters.push({ event, where, resolve })),
    send: (line) => child.stdin?.write(`${JSON.stringify(line)}\n`),
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = netServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** The built registry CLI (`outrigger-registry`) on `port`, resolved once it prints its `listening` line. */
export async function spawnRegistryCli(port: number): Promise<LineProcess & { url: string }> {
  const pkg = createRequire(import.meta.url).resolve("@outrigger/registry-server/package.json");
  const child = spawn(process.execPath, [join(dirname(pkg), "dist/cli.js"), "--port", String(port)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const proc = lineProcess(child);
  await proc.next("listening");
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

/** The client fixture (client.fixture.ts) as a TypeScript child on the packages' sources. */
export async function spawnClient(registryUrl: string, stateDir: string): Promise<LineProcess> {
  const fixture = new URL("./client.fixture.ts", import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    ["--conditions=@outrigger/source", "--import", "tsx", fixture, `${registryUrl}/eureka`, stateDir],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const proc = lineProcess(child);
  await proc.next("ready");
  return proc;
}
