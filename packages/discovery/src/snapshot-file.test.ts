import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isDiscoveryError } from "./errors.js";
import { InstanceCache } from "./instance-cache.js";
import type { ServiceInstance } from "./service-instance.js";

const TSX = fileURLToPath(new URL("../../../node_modules/tsx/dist/esm/index.mjs", import.meta.url));
const CACHE = fileURLToPath(new URL("./instance-cache.ts", import.meta.url));

const instance = (id: string, extra: Partial<Record<keyof ServiceInstance, unknown>> = {}) => ({
  id,
  service: "orders",
  host: "127.0.0.1",
  port: 9000,
  secure: false,
  status: "UP",
  metadata: {},
  ...extra,
});

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "outrigger-snapshot-"));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const firstError = (cache: InstanceCache) => new Promise<Error>((resolve) => cache.onError(resolve));

describe("snapshot file: a path that is not a regular file", () => {
  it("a directory at the path: each write is reported, and no temp file is left behind per change", async () => {
    const dir = await tempDir();
    const file = join(dir, "orders.json");
    await mkdir(file);
    const cache = new InstanceCache({ snapshotFile: file });
    const errors: Error[] = [];
    cache.onError((e) => errors.push(e));
    for (let n = 1; n <= 5; n++) {
      cache.update([instance(`i${n}`) as ServiceInstance]);
      await cache.flush();
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(await readdir(dir)).toEqual(["orders.json"]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors.every((e) => isDiscoveryError(e) && e.code === "DISCOVERY_SNAPSHOT_FAILED")).toBe(true);
    expect(errors[0]?.message).toMatch(/not a regular file/);
    expect(cache.current().instances).toHaveLength(1); // serving goes on
  });

  it("a FIFO at the path never blocks the constructor (checked in a child process, which would hang)", async () => {
    const file = join(await tempDir(), "orders.fifo");
    execFileSync("mkfifo", [file]);
    const code = `const { InstanceCache } = await import(${JSON.stringify(CACHE)});
      const cache = new InstanceCache({ snapshotFile: ${JSON.stringify(file)} });
      const error = await new Promise((resolve) => cache.onError(resolve));
      console.log(JSON.stringify({ code: error.code, message: error.message, size: cache.current().instances.length }));`;
    const child = spawn(process.execPath, ["--import", TSX, "--input-type=module", "-e", code], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    // The bound only guards against the hang this test exists for; the child normally exits in well under a second.
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const [exitCode, signal] = await once(child, "exit");
    clearTimeout(timer);
    expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: null });
    expect(JSON.parse(out)).toMatchObject({ code: "DISCOVERY_SNAPSHOT_FAILED", size: 0 });
    expect(JSON.parse(out).message).toMatch(/not a regular file/);
  }, 20_000);
});

describe("snapshot file: entries are validated on read", () => {
  it("publishes only entries with an id, a host and a port in 1–65535, and reports the rest", async () => {
    const file = join(await tempDir(), "orders.json");
    const instances = [
      instance("good"),
      instance("no-host", { host: undefined }),
      instance("empty-host", { host: "" }),
      instance("no-port", { port: undefined }),
      instance("port-zero", { port: 0 }),
      instance("port-big", { port: 70_000 }),
      instance("port-text", { port: "9000" }),
      instance("", {}),
      instance("bad-status", { status: "ALIVE" }),
      "not an object",
      null,
    ];
    await writeFile(file, JSON.stringify({ version: 1, savedAt: new Date().toISOString(), instances }));
    const cache = new InstanceCache({ snapshotFile: file });
    const error = await firstError(cache);
    expect(cache.current().instances.map((i) => i.id)).toEqual(["good"]);
    expect(isDiscoveryError(error) && error.code).toBe("DISCOVERY_SNAPSHOT_FAILED");
    expect(error.message).toMatch(/10 of 11 entries/);
  });

  it("refuses a snapshot file above the size cap without reading it", async () => {
    const file = join(await tempDir(), "orders.json");
    await writeFile(file, JSON.stringify({ version: 1, instances: [instance("a")], pad: "x".repeat(2_000) }));
    const cache = new InstanceCache({ snapshotFile: file, maxSnapshotBytes: 1_024 });
    const error = await firstError(cache);
    expect(isDiscoveryError(error) && error.code).toBe("DISCOVERY_SNAPSHOT_FAILED");
    expect(error.message).toMatch(/larger than maxSnapshotBytes/);
    expect(cache.current().instances).toEqual([]);
  });
});
