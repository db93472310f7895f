// When the watch instancer hands on a policy: on a new revision or new content (a lone registry restarted numbers
// from 1 again: registry-watch-restart.test.ts), never on the registry's bookkeeping around one policy. Istio's
// xDS server and Envoy decide on what is served (envoy/service/discovery/v3/discovery.proto: `version_info` names
// the resources' content), so the record fields that say nothing about what the SDK runs — `globalRevision`,
// `updatedAt`, key order (registry-server policy/store.ts `PolicyRecord`) — must not count as a change.
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PolicyUpdate } from "@outrigger/policy";
import { afterEach, expect, it } from "vitest";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const POLICY = { destination: { retry: { maxAttempts: 2 } } };

/**
 * A registry's watch route on loopback answering from `answers` in turn (each with the next index), then holding
 * every later watch; `asked(n)` resolves when the n-th watch request arrived.
 */
async function watchServer(answers: readonly unknown[]) {
  const held: ServerResponse[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let requests = 0;
  const server = createServer((request, response) => {
    requests += 1;
    for (const w of waiters.filter((w) => w.n <= requests)) w.resolve();
    request.resume();
    const policy = answers[requests - 1];
    if (policy === undefined) {
      held.push(response);
      return;
    }
    response.setHeader("content-type", "application/json");
    response.setHeader("x-outrigger-index", String(requests));
    response.end(JSON.stringify({ application: { name: "ORDERS", instance: [] }, policy }));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  closers.push(() => {
    for (const response of held) response.destroy();
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${port}/eureka`,
    asked: (n: number) => new Promise<void>((resolve) => (requests >= n ? resolve() : waiters.push({ n, resolve }))),
  };
}

function watch(url: string): { instancer: RegistryWatchInstancer; updates: PolicyUpdate[] } {
  const instancer = new RegistryWatchInstancer({ registryUrl: url, service: "orders", restartGraceMs: 0 });
  closers.push(() => instancer.close());
  const updates: PolicyUpdate[] = [];
  instancer.onPolicy((update) => updates.push(update));
  return { instancer, updates };
}

it("hands on one policy once while registries serve it with other bookkeeping (globalRevision, updatedAt, key order)", async () => {
  const record = (globalRevision: number, updatedAt: number) => ({
    service: "ORDERS",
    revision: 3,
    globalRevision,
    policy: POLICY,
    updatedAt,
  });
  const reordered = { policy: { destination: { retry: { maxAttempts: 2 } } }, updatedAt: 9, revision: 3 };
  const answers = [record(7, 1), record(9, 2), reordered, record(7, 1), { ...record(8, 3), service: "orders" }];
  const server = await watchServer(answers);
  const { updates } = watch(server.url);
  // The next watch goes out only once the previous answer was handled: all five are in.
  await server.asked(answers.length + 1);
  expect(updates.map((u) => [u.revision, u.policy])).toEqual([[3, POLICY]]);
});

it("hands on other content under the same revision, and a policy that went away", async () => {
  const record = (maxAttempts: number) => ({
    service: "ORDERS",
    revision: 1,
    globalRevision: 1,
    policy: { destination: { retry: { maxAttempts } } },
    updatedAt: 1,
  });
  const answers = [record(2), record(2), record(5), null];
  const server = await watchServer(answers);
  const { updates } = watch(server.url);
  await server.asked(answers.length + 1);
  const retry = (u: PolicyUpdate) => (u.policy as typeof POLICY | null)?.destination.retry.maxAttempts;
  expect(updates.map((u) => [u.revision, retry(u)])).toEqual([
    [1, 2],
    [1, 5],
    [0, undefined],
  ]);
});
