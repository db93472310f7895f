// Rules from Netflix/eureka: AbstractInstanceRegistry.statusUpdate (an override changes the status with
// `setStatusWithoutDirty`: the dirty timestamp stays the client's) and PeerEurekaNode (on a 409 the sender takes
// the peer's copy). Two peers that each change one instance before the other's replication arrives apply each
// other's copy and swap for good; field report of the kind: Netflix/eureka#908 (an override seen on one server,
// not on its peer). Here the later write wins on both (`write-order.ts`).
//
// A gate between the peers holds each batch until both writes are made, so their replications cross: the one
// interleaving that diverged (about one run in five of discovery's peers-one-index test under load, before).
import { createServer, type IncomingMessage, type Server } from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../e2e/spawn-registry.js";
import { watchUntil } from "../e2e/watch-until.js";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * An HTTP relay to `target` that, while closed, holds replication batches; `open()` sends them on and resolves
 * once every one held has been answered back to its sender.
 */
async function gate(target: number) {
  let held: (() => Promise<void>)[] | undefined;
  let arrived: (() => void) | undefined;
  const server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const relay = async () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !["host", "connection", "content-length"].includes(k)),
      ) as Record<string, string>;
      const answer = await fetch(`http://127.0.0.1:${target}${req.url}`, {
        method: req.method ?? "GET",
        headers,
        ...(req.method === "POST" ? { body } : {}),
      }).catch(() => undefined);
      const bytes = answer ? Buffer.from(await answer.arrayBuffer()) : Buffer.alloc(0);
      const type = answer?.headers.get("content-type");
      const index = answer?.headers.get("x-outrigger-index");
      res.writeHead(answer?.status ?? 502, {
        ...(type ? { "content-type": type } : {}),
        ...(index ? { "x-outrigger-index": index } : {}),
      });
      await new Promise<void>((resolve) => res.end(bytes, resolve));
    };
    if (held && req.url?.includes("/peerreplication/batch")) {
      held.push(relay);
      arrived?.();
    } else await relay();
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}/eureka`,
    close: () => {
      held = [];
    },
    /** Resolves once a batch is held (the sender's batching delay has passed); rejects if none comes. */
    holding: (what: string) =>
      new Promise<void>((resolve, reject) => {
        if (held?.length) return resolve();
        // A guard only: a batch leaves within the sender's 5 ms batching delay.
        const guard = setTimeout(() => reject(new Error(`${what} was never replicated`)), BATCH_GUARD_MS);
        arrived = () => {
          clearTimeout(guard);
          resolve();
        };
      }),
    /** Sends the held batches on; resolves with how many, once each has been answered. */
    open: async () => {
      const pending = held ?? [];
      held = undefined;
      await Promise.all(pending.map((relay) => relay()));
      return pending.length;
    },
  };
}

const BATCH_GUARD_MS = 10_000;

/** Resolves in the next millisecond or later: the second write is later by the clock both peers read. */
async function nextMillisecond(): Promise<void> {
  const from = Date.now();
  while (Date.now() <= from) await new Promise((resolve) => setTimeout(resolve, 1));
}

/** Two registries replicating to each other through gates (A → `toB` → B, B → `toA` → A), `app`/`id` on both. */
async function gatedPeers(app: string, id: string) {
  const [pa, pb] = [await freePort(), await freePort()];
  const [toB, toA] = [await gate(pb), await gate(pa)];
  const a = await start(["--port", String(pa), "--self-preservation", "off", "--peer", toB.url]);
  const b = await start(["--port", String(pb), "--self-preservation", "off", "--peer", toA.url]);
  expect(await eurekaCalls(a.url, app).register(id)).toBe(204);
  await watchUntil(b.url, app, (list) => list.length === 1);
  return { a, b, toB, toA };
}

describe("two peers writing one instance at once (real registries, replications crossing)", () => {
  it("both keep the later write, whichever peer made it", { timeout: 60_000 }, async () => {
    const { a, b, toB, toA } = await gatedPeers("CROSSED", "c-1");
    const peers = { a: eurekaCalls(a.url, "CROSSED"), b: eurekaCalls(b.url, "CROSSED") };

    // The status before each round is the previous round's second value (UP at first).
    const rounds = [
      { first: "b", second: "a", values: ["OUT_OF_SERVICE", "DOWN"] },
      { first: "a", second: "b", values: ["OUT_OF_SERVICE", "UP"] },
      { first: "b", second: "a", values: ["DOWN", "OUT_OF_SERVICE"] },
      // The second write is of the status its peer still holds (the first's copy is held back): no change there,
      // but a write all the same, later than the first; before, it was not replicated and the first one won.
      { first: "a", second: "b", values: ["DOWN", "OUT_OF_SERVICE"] },
    ] as const;
    for (const { first, second, values } of rounds) {
      toB.close();
      toA.close();
      expect(await peers[first].write("PUT", `c-1/status?value=${values[0]}`)).toBe(200);
      await nextMillisecond();
      expect(await peers[second].write("PUT", `c-1/status?value=${values[1]}`)).toBe(200);
      const gates = { a: toB, b: toA };
      await Promise.all([
        gates[first].holding(`${first}'s write of ${values[0]}`),
        gates[second].holding(`${second}'s write of ${values[1]}`),
      ]);
      // Each peer has applied the other's batch once its gate's answers are back.
      const sent = await Promise.all([toB.open(), toA.open()]);
      expect(sent).toEqual([1, 1]);
      const seen = `${first} wrote ${values[0]}, then ${second} wrote ${values[1]}`;
      // Before: each peer held the other's value (e.g. A OUT_OF_SERVICE, B DOWN).
      expect({ seen, a: (await peers.a.instance("c-1")).status }).toEqual({ seen, a: values[1] });
      expect({ seen, b: (await peers.b.instance("c-1")).status }).toEqual({ seen, b: values[1] });
      // The refused copy's sender took the winner (the 409's copy) and nothing flips it back.
      await watchUntil(a.url, "CROSSED", (list) => list[0]?.status === values[1]);
      await watchUntil(b.url, "CROSSED", (list) => list[0]?.status === values[1]);
    }
  });
});

describe("a cancel crossing a write of the same instance (real registries)", () => {
  it("the instance stays cancelled on both peers: a write made before the cancel does not bring it back", {
    timeout: 60_000,
  }, async () => {
    const { a, b, toB } = await gatedPeers("ZOMBIE", "z-1");
    // A drains the instance (its copy held on the way to B), then the instance's DELETE lands on B (a client
    // behind a balancer over the peers, as spring-cloud/spring-cloud-netflix#2542 and #1543 report).
    toB.close();
    expect(await eurekaCalls(a.url, "ZOMBIE").write("PUT", "z-1/status?value=OUT_OF_SERVICE")).toBe(200);
    await toB.holding("a's write of OUT_OF_SERVICE");
    expect(await eurekaCalls(b.url, "ZOMBIE").write("DELETE", "z-1")).toBe(200);
    await watchUntil(a.url, "ZOMBIE", (list) => list.length === 0);
    expect(await toB.open()).toBe(1);
    // Before: B took A's earlier copy as a new registration and held the instance until its lease ran out.
    for (const peer of [a, b]) {
      const res = await fetch(`${peer.url}/eureka/apps/ZOMBIE/z-1`, { headers: { accept: "application/json" } });
      await res.arrayBuffer();
      expect({ peer: peer.url, status: res.status }).toEqual({ peer: peer.url, status: 404 });
    }
  });
});

/**
 * POSTs one replicated registration of `app`/`id` as the registry holds it, stamped `stamp` (none: undefined),
 * `olderBy` ms below its dirty timestamp, as an Outrigger peer (with `x-outrigger-index`) or an Eureka one; the
 * task's answer.
 */
async function replicateStamped(base: string, app: string, id: string, stamp: unknown, olderBy = 0, eureka = false) {
  const read = await fetch(`${base}/eureka/apps/${app}/${id}`, { headers: { accept: "application/json" } });
  const { instance } = (await read.json()) as { instance: Record<string, unknown> };
  const dirty = Number(instance.lastDirtyTimestamp) - olderBy;
  const task = {
    action: "Register",
    appName: app,
    id,
    lastDirtyTimestamp: dirty,
    status: instance.status,
    overriddenStatus: instance.overriddenStatus,
    instanceInfo: { ...instance, lastDirtyTimestamp: String(dirty) },
    outriggerWrittenAt: stamp,
  };
  const res = await fetch(`${base}/eureka/peerreplication/batch`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      ...(eureka ? {} : { "x-outrigger-index": "0" }),
    },
    body: JSON.stringify({ replicationList: [task] }),
  });
  const body = (await res.json()) as { responseList: { statusCode: number; responseEntity?: unknown }[] };
  return body.responseList[0];
}

describe("write stamps from peers (real registries)", () => {
  it("a stamp beyond the write clock's bound is refused with a 400 that names the clock; nothing changes", async () => {
    const r = await start();
    expect(await eurekaCalls(r.url, "BOUNDED").register("b-1")).toBe(204);
    for (const stamp of [Number.MAX_SAFE_INTEGER, Date.now() + 2 * 3_600_000, "soon"]) {
      const answer = await replicateStamped(r.url, "BOUNDED", "b-1", stamp);
      expect(answer).toMatchObject({
        statusCode: 400,
        responseEntity: {
          code: "REGISTRY_INVALID_FIELD",
          message: expect.stringContaining("check the sending peer's clock"),
        },
      });
    }
    // Before: the stamp was taken, and the next write here was stamped 2^53, past what a peer can read.
    expect(await eurekaCalls(r.url, "BOUNDED").write("PUT", "b-1/status?value=OUT_OF_SERVICE")).toBe(200);
    expect((await eurekaCalls(r.url, "BOUNDED").instance("b-1")).status).toBe("OUT_OF_SERVICE");
  });

  it("a 409 carries our stamp to an Outrigger peer only; an Eureka peer gets Eureka's entity", async () => {
    const r = await start();
    const calls = eurekaCalls(r.url, "ENTITY");
    expect(await calls.register("e-1")).toBe(204);
    expect(await calls.write("PUT", "e-1/status?value=OUT_OF_SERVICE")).toBe(200);
    // A copy with an older dirty timestamp: refused (Eureka's rule), answered with ours.
    const outrigger = await replicateStamped(r.url, "ENTITY", "e-1", undefined, 1);
    expect(outrigger).toMatchObject({ statusCode: 409, responseEntity: { instance: { status: "OUT_OF_SERVICE" } } });
    expect(outrigger?.responseEntity).toHaveProperty("outriggerWrittenAt", expect.any(Number));
    const eureka = await replicateStamped(r.url, "ENTITY", "e-1", undefined, 1, true);
    expect(eureka).toMatchObject({ statusCode: 409, responseEntity: { instance: { status: "OUT_OF_SERVICE" } } });
    expect(Object.keys(eureka?.responseEntity as object)).toEqual(["instance"]);
  });

  it("a starting peer takes its peer's write clock: its first write orders after the copies it synced", {
    timeout: 60_000,
  }, async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const b = await start([
      "--port",
      String(pb),
      "--self-preservation",
      "off",
      "--peer",
      `http://127.0.0.1:${pa}/eureka`,
    ]);
    expect(await eurekaCalls(b.url, "SYNCED").register("s-1")).toBe(204);
    // B's copy carries a stamp a minute ahead of the clock (a peer of B's whose clock runs a minute fast wrote it).
    expect(await replicateStamped(b.url, "SYNCED", "s-1", Date.now() + 60_000)).toMatchObject({ statusCode: 200 });
    const a = await start(["--port", String(pa), "--self-preservation", "off", "--peer", `${b.url}/eureka`]);
    expect(a.started.synced).toBe(1);
    expect(await eurekaCalls(a.url, "SYNCED").write("PUT", "s-1/status?value=OUT_OF_SERVICE")).toBe(200);
    // Before: A stamped its write with its own clock, B refused it as older (409) and A took B's UP back.
    await watchUntil(b.url, "SYNCED", (list) => list[0]?.status === "OUT_OF_SERVICE");
    expect((await eurekaCalls(a.url, "SYNCED").instance("s-1")).status).toBe("OUT_OF_SERVICE");
  });
});
