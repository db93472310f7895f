import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../server.js";
import { registration } from "../test-fixtures.js";
import { BATCH_PATH, type ReplicationTask } from "./task.js";

/**
 * A failed batch goes back unless a task of the same action is pending (Netflix/eureka#908: a Register carrying an
 * OUT_OF_SERVICE override was dropped for the Heartbeat queued while it was in flight). Server A replicates to
 * peer B through a loopback front that records each batch, fails one on request and forwards the rest to B.
 */

/** A task as the front records it: `Register:OUT_OF_SERVICE k=v` (a Register's metadata after the status). */
function summary(task: ReplicationTask): string {
  const metadata = Object.entries((task.instanceInfo?.metadata ?? {}) as Record<string, unknown>)
    .filter(([key]) => key !== "@class")
    .map(([key, value]) => ` ${key}=${String(value)}`);
  return `${task.action}:${task.status}${metadata.join("")}`;
}

const HOP_BY_HOP = ["host", "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"];

function forwardable(headers: IncomingHttpHeaders | Headers): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers] : Object.entries(headers);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (typeof value === "string" && !HOP_BY_HOP.includes(name) && name !== "accept-encoding") out[name] = value;
  }
  return out;
}

interface Front {
  readonly url: string;
  /** Resolves when a batch `match` holds arrives, with a function answering it 503. */
  failOnce(match: (batch: readonly string[]) => boolean): Promise<() => void>;
  /** Resolves with the next batch carrying tasks, once B has applied it. */
  nextBatch(): Promise<readonly string[]>;
  close(): Promise<void>;
}

async function startFront(target: string): Promise<Front> {
  let failing: { match: (batch: readonly string[]) => boolean; arrived: (release: () => void) => void } | undefined;
  const waiting: ((batch: readonly string[]) => void)[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const isBatch = req.method === "POST" && req.url?.endsWith(BATCH_PATH) === true;
    const batch = isBatch ? (JSON.parse(body.toString()).replicationList as ReplicationTask[]).map(summary) : [];
    if (failing?.match(batch)) {
      const { arrived } = failing;
      failing = undefined;
      arrived(() => res.writeHead(503).end());
      return;
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const answer = await fetch(`${target}${req.url}`, {
      method: req.method ?? "GET",
      headers: forwardable(req.headers),
      ...(hasBody ? { body } : {}),
    });
    const payload = Buffer.from(await answer.arrayBuffer());
    res.writeHead(answer.status, forwardable(answer.headers)).end(payload);
    if (batch.length > 0) for (const resolve of waiting.splice(0)) resolve(batch);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/eureka`,
    failOnce: (match) => new Promise((arrived) => (failing = { match, arrived })),
    nextBatch: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** B, the front before it, and A replicating to the front; `o-1` of ORDERS registered on A and replicated to B. */
async function cluster(): Promise<{ a: RunningServer; b: RunningServer; front: Front }> {
  const b = await startServer({ port: 0, selfPreservation: false });
  cleanups.push(() => b.close());
  const front = await startFront(b.url);
  cleanups.push(() => front.close());
  const a = await startServer({ port: 0, peers: [front.url], selfPreservation: false });
  cleanups.push(() => a.close());
  const registered = front.nextBatch();
  const res = await fetch(`${a.url}/eureka/apps/ORDERS`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(registration("o-1", { app: "ORDERS" })),
  });
  expect(res.status).toBe(204);
  expect(await registered).toEqual(["Register:UP"]);
  return { a, b, front };
}

async function write(a: RunningServer, method: string, path: string): Promise<void> {
  expect((await fetch(`${a.url}/eureka/apps/ORDERS/o-1${path}`, { method })).status).toBe(200);
}

/** Sends `first` from A, fails its batch after `meanwhile` ran, and resolves with the batch A retried. */
async function failWhileInFlight(
  front: Front,
  first: () => Promise<void>,
  meanwhile: () => Promise<void>,
): Promise<readonly string[]> {
  const held = front.failOnce((batch) => batch.some((task) => task.startsWith("Register:OUT_OF_SERVICE")));
  await first();
  const release = await held;
  // A answered these writes, so their tasks are queued behind the batch in flight.
  await meanwhile();
  const retried = front.nextBatch();
  release();
  return retried;
}

const outOfService = (a: RunningServer) => () => write(a, "PUT", "/status?value=OUT_OF_SERVICE");
const heartbeat = (a: RunningServer) => () => write(a, "PUT", "");

describe("PeerNode: a failed batch keeps its tasks when other actions queued meanwhile (real sockets)", () => {
  it("re-sends a status override whose batch failed while the instance's heartbeat was queued", async () => {
    const { a, b, front } = await cluster();
    const retried = await failWhileInFlight(front, outOfService(a), heartbeat(a));
    // Before: the Heartbeat took the Register's slot; B answered it 200 and kept UP.
    expect.soft(retried).toEqual(["Register:OUT_OF_SERVICE", "Heartbeat:OUT_OF_SERVICE"]);
    expect(b.registry.get("ORDERS", "o-1")?.info).toMatchObject({
      status: "OUT_OF_SERVICE",
      overriddenStatus: "OUT_OF_SERVICE",
    });
  });

  it("re-sends a metadata change whose batch failed while the instance's heartbeat was queued", async () => {
    const { a, b, front } = await cluster();
    const held = front.failOnce((batch) => batch.some((task) => task.endsWith(" zone=b")));
    await write(a, "PUT", "/metadata?zone=b");
    const release = await held;
    await heartbeat(a)();
    const retried = front.nextBatch();
    release();
    expect.soft(await retried).toEqual(["Register:UP zone=b", "Heartbeat:UP"]);
    expect(b.registry.get("ORDERS", "o-1")?.info.metadata).toMatchObject({ zone: "b" });
  });

  it("sends only the newest Register when a newer one was queued while the older one's batch failed", async () => {
    const { a, b, front } = await cluster();
    const retried = await failWhileInFlight(front, outOfService(a), async () => {
      await write(a, "PUT", "/metadata?zone=b");
      await heartbeat(a)();
    });
    expect(retried.filter((task) => task.startsWith("Register"))).toEqual(["Register:OUT_OF_SERVICE zone=b"]);
    expect(b.registry.get("ORDERS", "o-1")?.info).toMatchObject({
      status: "OUT_OF_SERVICE",
      metadata: { zone: "b" },
    });
  });

  it("leaves the instance cancelled on the peer when a Cancel was queued while a Register's batch failed", async () => {
    const { a, b, front } = await cluster();
    const retried = await failWhileInFlight(front, outOfService(a), () => write(a, "DELETE", ""));
    // The failed Register may be re-sent, but never after the Cancel that followed it here.
    expect(retried.at(-1)).toBe("Cancel:OUT_OF_SERVICE");
    expect(retried.filter((task) => task.startsWith("Cancel"))).toHaveLength(1);
    expect(b.registry.get("ORDERS", "o-1")).toBeUndefined();
    expect(a.registry.get("ORDERS", "o-1")).toBeUndefined();
  });
});
