// A control-plane fleet on real processes: a registry, three instances of "backend" (v1, v1, v2) that registered
// themselves, and one client process with a seeded control plane and a state directory. Policies are written over
// the registry's REST API, and `push` waits for the client's own ACK or NACK of the revision.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonLine, JsonLinesChild } from "@outrigger/process-fixtures";
import {
  type ClientProcess,
  type InstanceProcess,
  spawnClient,
  spawnInstance,
  spawnRegistry,
} from "./processes.fixture.js";

export const SUBSETS = [
  { name: "v1", labels: { version: "v1" } },
  { name: "v2", labels: { version: "v2" } },
  { name: "v3", labels: { version: "v3" } },
];
export const CANARY = { match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }] };

/** x-canary: true to v2; everything else split v1/v2 by `100 - v2` / `v2`, with `extra` on that route (fault, …). */
export const split = (v2: number, extra: Record<string, unknown> = {}) => ({
  destination: { subsets: SUBSETS } as Record<string, unknown>,
  routes: [
    CANARY,
    {
      route: [
        { subset: "v1", weight: 100 - v2 },
        { subset: "v2", weight: v2 },
      ],
      ...extra,
    },
  ],
});

/** The running fleet and what the tests do with it. */
export interface Fleet {
  readonly registry: JsonLinesChild & { readonly url: string };
  readonly instances: readonly InstanceProcess[];
  readonly client: ClientProcess;
  readonly stateDir: string;
  /** A call to the registry's policy API (`/outrigger/policy…`); any status but 200 throws with the body. */
  policy(method: string, path: string, body?: unknown, type?: string): Promise<Record<string, unknown>>;
  /** Writes `backend`'s policy and resolves with the client's ACK or NACK line of the revision it made. */
  push(body: unknown, status?: "ACK" | "NACK"): Promise<JsonLine>;
  /** A policy API call that makes a revision (rollback, apply), resolved with the client's line of it. */
  change(method: string, path: string, body: unknown, type?: string): Promise<JsonLine>;
  /** The requests the instances of `version` received, by their own count. */
  received(version: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the registry, the instances (in order, each registered before the next) and the client (watching). */
export async function startFleet(versions: readonly string[] = ["v1", "v1", "v2"]): Promise<Fleet> {
  const registry = await spawnRegistry();
  const instances: InstanceProcess[] = [];
  const stateDir = await mkdtemp(join(tmpdir(), "cp-state-"));
  let client: ClientProcess | undefined;
  const stop = async () => {
    await client?.stop();
    for (const instance of instances) await instance.stop();
    await registry.stop();
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    for (const [i, version] of versions.entries()) {
      instances.push(await spawnInstance(registry.url, version, `${version}-${i}`));
    }
    client = await spawnClient(registry.url, stateDir);
    // A client watches a service from its first call on (its parts are made on first use): open the watch, so the
    // client sees every revision written from now on.
    await client.run(1);
  } catch (error) {
    await stop();
    throw error;
  }
  const started = client;
  const policy = async (method: string, path: string, body?: unknown, type = "application/json") => {
    const answer = await fetch(`${registry.url}/outrigger/policy${path}`, {
      method,
      headers: { "content-type": type },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
    const text = await answer.text();
    if (answer.status !== 200) throw new Error(`${method} ${path} answered ${answer.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  /** The client's line of the revision an answer made (PUT and rollback answer a record, apply its records). */
  const made = async (answered: Promise<Record<string, unknown>>, status: "ACK" | "NACK") => {
    const answer = await answered;
    const record = (answer.record ?? (answer.records as unknown[] | undefined)?.[0]) as { revision: number };
    // Lines are kept until taken: the client may well ACK before the registry's answer arrives here.
    const line = await started.next("apply", (l) => l.revision === record.revision && l.source === "registry");
    if (line.status !== status) {
      const reason = String(line.reason ?? "");
      throw new Error(`The client ${String(line.status)}ed revision ${record.revision}, not ${status}: ${reason}`);
    }
    return line;
  };
  return {
    registry,
    instances,
    client: started,
    stateDir,
    policy,
    push: (body, status = "ACK") => made(policy("PUT", "/services/backend", body), status),
    change: (method, path, body, type) => made(policy(method, path, body, type), "ACK"),
    async received(version) {
      let total = 0;
      for (const instance of instances) if (instance.version === version) total += await instance.received();
      return total;
    },
    stop,
  };
}
