import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PolicyDir, type PolicyDirEvent } from "./policy-dir.js";
import { PolicyStore } from "./store.js";

const doc = (attempts: number | string) => `apiVersion: outrigger.dev/v1
kind: TrafficPolicy
metadata: { name: orders }
spec:
  routes:
  - route: [{}]
    retry: { maxAttempts: ${attempts} }
`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Writes a ConfigMap volume's layout: `..<n>/` holds the files, `..data` points at it, each name points through it. */
async function configMap(dir: string, n: number, files: Record<string, string>): Promise<void> {
  const version = join(dir, `..${n}`);
  await mkdir(version);
  for (const [name, text] of Object.entries(files)) await writeFile(join(version, name), text);
  // kubelet's swap: a new symlink beside the old, renamed over `..data` in one step.
  await symlink(`..${n}`, join(dir, "..data_tmp"));
  await rename(join(dir, "..data_tmp"), join(dir, "..data"));
  for (const name of Object.keys(files)) await symlink(join("..data", name), join(dir, name)).catch(() => {});
}

function watchDir(dir: string, store: PolicyStore) {
  const events: PolicyDirEvent[] = [];
  const waiters: ((event: PolicyDirEvent) => void)[] = [];
  // A poll far beyond the test: the swap must be found through the directory's file events.
  const watcher = new PolicyDir({
    dir,
    store,
    pollIntervalMs: 600_000,
    onEvent: (event) => {
      events.push(event);
      waiters.shift()?.(event);
    },
  });
  cleanups.push(() => watcher.close());
  const next = () => new Promise<PolicyDirEvent>((resolve) => waiters.push(resolve));
  return { watcher, events, next };
}

describe("GitOps policy directory", () => {
  it("applies at start, follows a ConfigMap's ..data swap, and refuses a bad file keeping the last good", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await configMap(dir, 1, { "orders.yaml": doc(1) });
    const store = new PolicyStore();
    const { watcher, next } = watchDir(dir, store);
    const started = next();
    await watcher.scan();
    expect(await started).toEqual({ event: "policy-applied", file: join(dir, "orders.yaml"), services: { ORDERS: 1 } });

    const swapped = next();
    await configMap(dir, 2, { "orders.yaml": doc(2) });
    expect(await swapped).toMatchObject({ event: "policy-applied", services: { ORDERS: 2 } });

    const refused = next();
    await configMap(dir, 3, { "orders.yaml": doc("many") });
    expect(await refused).toMatchObject({
      event: "policy-refused",
      file: join(dir, "orders.yaml"),
      code: "REGISTRY_POLICY_INVALID",
      message: expect.stringContaining("routes[0].retry.maxAttempts"),
    });
    expect(store.get("orders")).toMatchObject({ revision: 2, policy: { routes: [{ retry: { maxAttempts: 2 } }] } });
  });

  it("refuses a file over 1 MiB without reading it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, "huge.yaml"), `# ${"x".repeat(1024 * 1024)}\n`);
    const { watcher, events } = watchDir(dir, new PolicyStore());
    await watcher.scan();
    expect(events).toMatchObject([{ event: "policy-refused", code: "REGISTRY_POLICY_LIMIT" }]);
  });
});
