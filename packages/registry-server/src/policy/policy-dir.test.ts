import { mkdir, mkdtemp, open, rename, rm, symlink, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ISTIO_PAIR } from "../policy-fixtures.js";
import { PolicyDir, type PolicyDirEvent, type PolicyDirOptions } from "./policy-dir.js";
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

function watchDir(dir: string, store: PolicyStore, extra: Partial<PolicyDirOptions> = {}) {
  const events: PolicyDirEvent[] = [];
  const waiters: ((event: PolicyDirEvent) => void)[] = [];
  // A poll far beyond the test: the swap must be found through the directory's file events.
  const watcher = new PolicyDir({
    dir,
    store,
    pollIntervalMs: 600_000,
    ...extra,
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
    const { watcher, events } = watchDir(dir, new PolicyStore(), { settleMs: 0 });
    await watcher.scan();
    expect(events).toMatchObject([
      { event: "policy-refused", code: "REGISTRY_POLICY_LIMIT", message: expect.stringMatching(/larger than 1 MiB/) },
    ]);
  });
});

/** A clock the test moves: the settle window is measured with it. */
function manualClock() {
  let now = Date.now();
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("GitOps: files written in place (breaker, issue 19)", () => {
  // Editors and `cp` write a file in place, in several writes; only a ConfigMap's `..data` swap is atomic. A prefix
  // that parsed as a valid policy (here: the route without its retry) was applied until the rest landed, and every
  // SDK process ran it meanwhile. Watchers of config files wait for the writer (paulmillr/chokidar `src/index.ts`,
  // `_awaitWriteFinish`: the size unchanged for `stabilityThreshold`); so does PolicyDir, with its size and mtime
  // over a settle window measured with the injected clock.
  it("applies a file written in two steps only once it held still for the settle window, never its prefix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = new PolicyStore();
    const clock = manualClock();
    // A window far longer than the test takes, so a file's age by the wall clock never settles it here.
    const { watcher, events } = watchDir(dir, store, { settleMs: 5_000, clock });
    const file = join(dir, "orders.yaml");
    const text = doc(3);
    const cut = text.indexOf("    retry:");
    const handle = await open(file, "w");
    cleanups.push(() => handle.close().catch(() => {}));
    await handle.write(text.slice(0, cut));
    await watcher.scan();
    clock.advance(4_000);
    await watcher.scan();
    expect(events).toEqual([]);
    // The rest lands: the window starts again from this change.
    await handle.write(text.slice(cut));
    await handle.close();
    clock.advance(4_000);
    await watcher.scan();
    expect(events).toEqual([]);
    clock.advance(4_999);
    await watcher.scan();
    expect(events).toEqual([]);
    clock.advance(1);
    await watcher.scan();
    expect(events).toEqual([{ event: "policy-applied", file, services: { ORDERS: 1 } }]);
    expect(store.get("orders")).toMatchObject({ revision: 1, policy: { routes: [{ retry: { maxAttempts: 3 } }] } });
  });
});

describe("GitOps: two files for one service (breaker, issue 19)", () => {
  // Two files setting one service's policy each applied on their own changes: the last changed won, silently, and
  // the other file's next edit flipped it back. Argo CD reports a resource two applications manage
  // (SharedResourceWarning, argo-cd `controller/state.go`); Istio's analyzer two VirtualServices for one host
  // (IST0109). Here the file applied first keeps serving and the other is refused, naming both.
  it("refuses the second file naming both, keeps the first, and applies the second once the first is removed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [first, second] = [join(dir, "a-orders.yaml"), join(dir, "b-orders.yaml")];
    await writeFile(first, doc(1));
    await writeFile(second, doc(2));
    const store = new PolicyStore();
    const { watcher, events } = watchDir(dir, store, { settleMs: 0 });
    await watcher.scan();
    expect(events).toEqual([
      { event: "policy-applied", file: first, services: { ORDERS: 1 } },
      {
        event: "policy-refused",
        file: second,
        code: "REGISTRY_POLICY_CONFLICT",
        message: expect.stringMatching(
          `^${second} sets the policy of ORDERS, which ${first} set first and keeps serving`,
        ),
      },
    ]);
    // An edit of either file changes nothing of that: the first keeps the service.
    await writeFile(second, doc(4));
    await watcher.scan();
    expect(events.at(-1)).toMatchObject({ event: "policy-refused", file: second, code: "REGISTRY_POLICY_CONFLICT" });
    expect(store.get("orders")).toMatchObject({ revision: 1, policy: { routes: [{ retry: { maxAttempts: 1 } }] } });

    await unlink(first);
    await watcher.scan();
    expect(events.at(-1)).toEqual({ event: "policy-applied", file: second, services: { ORDERS: 2 } });
    expect(store.get("orders")).toMatchObject({ revision: 2, policy: { routes: [{ retry: { maxAttempts: 4 } }] } });
  });

  it("lets a VirtualService and a DestinationRule of one service live in two files, as in Istio", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [rule, routes] = ISTIO_PAIR.split("---\n");
    await writeFile(join(dir, "reviews-dr.yaml"), rule as string);
    await writeFile(join(dir, "reviews-vs.yaml"), routes as string);
    const store = new PolicyStore();
    const { watcher, events } = watchDir(dir, store, { settleMs: 0 });
    await watcher.scan();
    expect(events.map((e) => e.event)).toEqual(["policy-applied", "policy-applied"]);
    // A native TrafficPolicy for the same service sets both parts: refused while either file holds its part.
    await writeFile(join(dir, "reviews.yaml"), doc(1).replace("orders", "reviews"));
    await watcher.scan();
    expect(events.at(-1)).toMatchObject({
      event: "policy-refused",
      code: "REGISTRY_POLICY_CONFLICT",
      message: expect.stringContaining(join(dir, "reviews-dr.yaml")),
    });
  });
});
