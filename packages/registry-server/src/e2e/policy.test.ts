import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ISTIO_PAIR } from "../policy-fixtures.js";
import { freePort, type RegistryProcess, runCli, spawnRegistry } from "./spawn-registry.js";

const TOKEN = "policy-s3cret";
const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const auth = { authorization: `Bearer ${TOKEN}` };
const running = new Set<RegistryProcess>();
let workDir = "";
afterAll(async () => {
  await Promise.all([...running].map((p) => p.stop()));
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function start(port: number, peers: number[], extra: string[] = []): Promise<RegistryProcess> {
  const args = ["--port", String(port), "--token", TOKEN, "--self-preservation", "off", ...extra];
  for (const peer of peers) args.push("--peer", `http://127.0.0.1:${peer}/eureka`);
  const p = await spawnRegistry(args);
  running.add(p);
  return p;
}

/** Runs `outrigger-registry <args> --url URL` as a client process; the token travels in its environment. */
const cli = (url: string, args: string[]) => runCli([...args, "--url", url], TOKEN);

interface WatchAnswer {
  index: number;
  revision: number;
  policy: { revision: number; policy: Record<string, unknown> } | null;
}

async function watch(url: string, app: string, index: number, wait = "30s"): Promise<WatchAnswer> {
  const res = await fetch(`${url}/outrigger/watch/apps/${app}?index=${index}&wait=${wait}`, { headers: auth });
  const body = (await res.json()) as { policy: WatchAnswer["policy"] };
  return {
    index: Number(res.headers.get("x-outrigger-index")),
    revision: Number(res.headers.get("x-outrigger-policy-revision")),
    policy: body.policy,
  };
}

/** Long-polls until the service's policy reaches `revision` (event-driven: each answer comes on a change). */
async function watchRevision(url: string, app: string, revision: number): Promise<WatchAnswer> {
  let answer = await watch(url, app, -1);
  for (let i = 0; i < 20 && answer.revision < revision; i += 1) answer = await watch(url, app, answer.index, "5s");
  expect(answer.revision).toBe(revision);
  return answer;
}

describe("control plane (real registry processes and CLI)", () => {
  it("applies Istio YAML with the CLI, replicates to a peer, diffs, gets and rolls back", {
    timeout: 60_000,
  }, async () => {
    workDir = await mkdtemp(join(tmpdir(), "policy-e2e-"));
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await start(pa, [pb]);
    let b = await start(pb, [pa]);
    const pair = join(workDir, "reviews.yaml");
    await writeFile(pair, ISTIO_PAIR);

    const applied = await cli(a.url, ["apply", "-f", pair]);
    expect(applied).toMatchObject({ code: 0, out: "REVIEWS: revision 1 (changed)\n" });
    expect(applied.out + applied.err).not.toContain(TOKEN);
    const onB = await watchRevision(b.url, "REVIEWS", 1);
    expect(onB.policy?.policy).toMatchObject({ routes: [{}, { route: [{ weight: 95 }, { weight: 5 }] }] });

    // A held watch on the peer wakes when the policy changes on A: timed from A's answer to B's, by events.
    const canary = join(workDir, "canary.yaml");
    await writeFile(canary, ISTIO_PAIR.replace("weight: 95", "weight: 50").replace("weight: 5\n", "weight: 50\n"));
    const held = watch(b.url, "REVIEWS", onB.index, "60s").then((answer) => ({ answer, at: performance.now() }));
    const diff = await cli(a.url, ["diff", "-f", canary]);
    expect(diff.code).toBe(0);
    expect(diff.out).toContain("REVIEWS: revision 1 → changed");
    expect(diff.out).toMatch(/- +weight: 95\n/);
    expect(diff.out).toMatch(/\+ +weight: 50\n/);
    const put = await fetch(`${a.url}/outrigger/policy/apply`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/yaml" },
      body: ISTIO_PAIR.replace("weight: 95", "weight: 50").replace("weight: 5\n", "weight: 50\n"),
    });
    const appliedAt = performance.now();
    expect(put.status).toBe(200);
    const { answer, at } = await held;
    expect(answer.revision).toBe(2);
    // Replication batches after 5 ms; a second is the bound on a loaded two-core machine.
    expect(at - appliedAt).toBeLessThan(1_000);

    const got = await cli(b.url, ["get", "reviews"]);
    expect(got.code).toBe(0);
    expect(got.out).toContain("# revision 2\napiVersion: outrigger.dev/v1\nkind: TrafficPolicy\n");
    const back = await cli(a.url, ["rollback", "reviews", "--to", "1"]);
    expect(back).toMatchObject({ code: 0, out: "REVIEWS: revision 3 (content of revision 1)\n" });
    expect((await watchRevision(b.url, "REVIEWS", 3)).policy?.policy).toEqual(onB.policy?.policy);

    // A restarted peer copies the cluster's policies before it serves.
    await b.stop();
    running.delete(b);
    b = await start(pb, [pa]);
    const synced = await fetch(`${b.url}/outrigger/policy/services/reviews`, { headers: auth });
    expect(((await synced.json()) as { revision: number }).revision).toBe(3);
  });

  // Policies live in memory and a restarted peer copied only the current records: restarted alone, it answered a
  // rollback to any revision written before its restart with 404 (breaker, issue 19). It copies the histories too.
  it("a peer restarted alone rolls back to a revision written before its restart", { timeout: 60_000 }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = await start(pa, [pb]);
    let b = await start(pb, [pa]);
    const put = async (attempts: number) => {
      const res = await fetch(`${a.url}/outrigger/policy/services/ledger`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ routes: [{ route: [{}], retry: { maxAttempts: attempts } }] }),
      });
      expect(res.status).toBe(200);
    };
    await put(1);
    await put(2);
    await watchRevision(b.url, "LEDGER", 2);
    await b.stop();
    running.delete(b);
    b = await start(pb, [pa]);

    const back = await cli(b.url, ["rollback", "ledger", "--to", "1"]);
    expect(back).toMatchObject({ code: 0, out: "LEDGER: revision 3 (content of revision 1)\n" });
    const history = await fetch(`${b.url}/outrigger/policy/services/ledger/history`, { headers: auth });
    const { revisions } = (await history.json()) as { revisions: { revision: number; rolledBackFrom?: number }[] };
    expect(revisions.map((r) => [r.revision, r.rolledBackFrom])).toEqual([
      [1, undefined],
      [2, undefined],
      [3, 1],
    ]);
    // The rollback on the restarted peer replicates as any write.
    const onA = await watchRevision(a.url, "LEDGER", 3);
    expect(onA.policy?.policy).toEqual({ routes: [{ route: [{}], retry: { maxAttempts: 1 } }] });
  });

  it("refuses unsupported Istio fields and bad tokens from the CLI, printing the paths and never the token", async () => {
    const a = await start(await freePort(), []);
    const file = join(workDir || (await mkdtemp(join(tmpdir(), "policy-e2e-"))), "bad.yaml");
    await writeFile(file, ISTIO_PAIR.replace("timeout: 2s", "timeout: 2s\n    corsPolicy: { allowOrigins: [] }"));
    const refused = await cli(a.url, ["apply", "-f", file]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("REGISTRY_POLICY_UNSUPPORTED");
    expect(refused.err).toContain("spec.http[1].corsPolicy");
    const wrong = spawn(process.execPath, [CLI, "get", "x", "--url", a.url], {
      env: { ...process.env, OUTRIGGER_REGISTRY_TOKEN: "not-the-token" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    wrong.stderr.on("data", (chunk) => {
      err += chunk;
    });
    expect(await new Promise((resolve) => wrong.once("close", resolve))).toBe(1);
    expect(err).toContain("REGISTRY_UNAUTHORIZED");
    expect(err).not.toContain("not-the-token");
  });

  it("GitOps: --policy-dir applies a ConfigMap swap and refuses an invalid file by its path", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-e2e-"));
    const swap = async (n: number, text: string) => {
      await mkdir(join(dir, `..${n}`));
      await writeFile(join(dir, `..${n}`, "reviews.yaml"), text);
      await symlink(`..${n}`, join(dir, "..data_tmp"));
      await rename(join(dir, "..data_tmp"), join(dir, "..data"));
      await symlink(join("..data", "reviews.yaml"), join(dir, "reviews.yaml")).catch(() => {});
    };
    await swap(1, ISTIO_PAIR);
    try {
      const registry = await start(await freePort(), [], ["--policy-dir", dir]);
      expect(registry.output()).toContain('"event":"policy-applied"');
      const applied = registry.next("policy-applied");
      await swap(2, ISTIO_PAIR.replace("attempts: 3", "attempts: 4"));
      expect(await applied).toMatchObject({ file: join(dir, "reviews.yaml"), services: { REVIEWS: 2 } });
      const refused = registry.next("policy-refused");
      await swap(3, ISTIO_PAIR.replace("attempts: 3", "attempts: -2"));
      expect(await refused).toMatchObject({ file: join(dir, "reviews.yaml"), code: "REGISTRY_POLICY_INVALID" });
      const kept = await fetch(`${registry.url}/outrigger/policy/services/reviews`, { headers: auth });
      expect(await kept.json()).toMatchObject({ revision: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("GitOps: two files for one service — the first applies at start, the second is refused naming both", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-e2e-"));
    try {
      // Written just before the start: the registry waits for their settle window, then serves them from the start.
      const [first, second] = [join(dir, "a-reviews.yaml"), join(dir, "b-reviews.yaml")];
      await writeFile(first, ISTIO_PAIR);
      await writeFile(second, ISTIO_PAIR.replace("attempts: 3", "attempts: 4"));
      const registry = await start(await freePort(), [], ["--policy-dir", dir]);
      const lines = registry
        .output()
        .split("\n")
        .filter((line) => line.includes('"event":"policy-'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines).toEqual([
        { event: "policy-applied", file: first, services: { REVIEWS: 1 } },
        {
          event: "policy-refused",
          file: second,
          code: "REGISTRY_POLICY_CONFLICT",
          message: expect.stringContaining(`which ${first} set first and keeps serving`),
        },
      ]);
      const served = await fetch(`${registry.url}/outrigger/policy/services/reviews`, { headers: auth });
      expect(await served.json()).toMatchObject({
        revision: 1,
        policy: { routes: [{}, { retry: { maxAttempts: 4 } }] },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
