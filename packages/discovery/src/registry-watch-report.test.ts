// `reportOnWatch()`: the ACK/NACK of a new policy rides on the next watch request, as an xDS client's next
// DiscoveryRequest carries `response_nonce` and, on a NACK, `error_detail` (envoy/service/discovery/v3/discovery.proto:
// "no new request is sent after a response is received until the Envoy instance is ready to ACK/NACK"). A registry
// that does not say it reads them (an older one: no `X-Outrigger-Policy-Reports: watch`) gets the POST as before.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterEach, beforeEach, expect, it } from "vitest";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";

let server: RunningServer;
const closers: (() => unknown)[] = [];
/** Report POSTs this process sent (undici's diagnostics channel: Node's fetch publishes there too). */
let posts = 0;
const onRequest = (message: unknown) => {
  const { request } = message as { request: { method: string; path: string } };
  if (request.method === "POST" && request.path.startsWith("/outrigger/policy/reports")) posts += 1;
};
beforeEach(async () => {
  server = await startServer({ port: 0, logLevel: false });
  posts = 0;
  subscribe("undici:request:create", onRequest);
});
afterEach(async () => {
  unsubscribe("undici:request:create", onRequest);
  for (const close of closers.splice(0).reverse()) await close();
  await server.close();
});

const put = async (maxAttempts: number) => {
  const answer = await fetch(`${server.url}/outrigger/policy/services/orders`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ destination: { retry: { maxAttempts } } }),
  });
  expect(answer.status).toBe(200);
};
const reports = async () =>
  ((await (await fetch(`${server.url}/outrigger/policy/reports`)).json()) as { reports: unknown[] }).reports;

/** An instancer that reports each new revision it is handed (ACK, or NACK for `nack`) as process `name`. */
function reporting(registryUrl: string, name: string, nack?: (revision: number) => string | undefined) {
  const instancer = new RegistryWatchInstancer({ registryUrl, service: "orders", waitMs: 5_000 });
  closers.push(() => instancer.close());
  instancer.reportOnWatch();
  instancer.onPolicy(({ revision }) => {
    if (revision === 0) return;
    const reason = nack?.(revision);
    // A POST still reading its answer when the test closes the instancer is aborted: not this test's subject (an
    // unhandled rejection under load before).
    instancer
      .reportPolicy({
        process: name,
        revision,
        ...(reason === undefined ? { status: "ACK" as const } : { status: "NACK" as const, reason }),
      })
      .catch(() => {});
  });
  return instancer;
}

it("carries the ACK and the NACK on the next watch request: the status view shows them, no POST was sent", async () => {
  await put(2);
  reporting(`${server.url}/eureka`, "p-1", (revision) => (revision === 2 ? "retry: not for me" : undefined));
  await expect.poll(reports).toEqual([expect.objectContaining({ process: "p-1", revision: 1, status: "ACK" })]);
  await put(3);
  await expect
    .poll(reports)
    .toEqual([expect.objectContaining({ process: "p-1", revision: 2, status: "NACK", reason: "retry: not for me" })]);
  expect(posts).toBe(0);
});

it("POSTs the report to a registry that does not say it reads reports on the watch", async () => {
  // A front that drops the registry's `X-Outrigger-Policy-Reports` header, as an older registry answers.
  const front = createServer((incoming, outgoing) => {
    const target = new URL(server.url);
    const forward = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: incoming.url,
        method: incoming.method,
        headers: incoming.headers,
      },
      (answer) => {
        const { "x-outrigger-policy-reports": _dropped, ...headers } = answer.headers;
        outgoing.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(forward);
  });
  front.listen(0, "127.0.0.1");
  await once(front, "listening");
  closers.push(() => {
    front.closeAllConnections();
    front.close();
  });
  await put(2);
  reporting(`http://127.0.0.1:${(front.address() as AddressInfo).port}/eureka`, "old-registry-client");
  await expect.poll(reports).toEqual([expect.objectContaining({ process: "old-registry-client", status: "ACK" })]);
  expect(posts).toBe(1);
});
