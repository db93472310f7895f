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

/**
 * A front on loopback that forwards every request to the registry; `seen` gets each request (its headers and body)
 * first, and `dropReportsHeader` drops the registry's `X-Outrigger-Policy-Reports` from answers, as an older registry
 * answers. Resolves the front's `/eureka` URL.
 */
async function front(
  options: {
    seen?: (headers: import("node:http").IncomingHttpHeaders, body: Buffer) => void;
    dropReportsHeader?: boolean;
  } = {},
): Promise<string> {
  const proxy = createServer((incoming, outgoing) => {
    const target = new URL(server.url);
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      options.seen?.(incoming.headers, body);
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          const { "x-outrigger-policy-reports": dropped, ...rest } = answer.headers;
          outgoing.writeHead(
            answer.statusCode ?? 502,
            options.dropReportsHeader
              ? rest
              : { ...rest, ...(dropped ? { "x-outrigger-policy-reports": dropped } : {}) },
          );
          answer.pipe(outgoing);
        },
      );
      forward.end(body);
    });
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  closers.push(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/eureka`;
}

it("POSTs the report to a registry that does not say it reads reports on the watch", async () => {
  const url = await front({ dropReportsHeader: true });
  await put(2);
  reporting(url, "old-registry-client");
  await expect.poll(reports).toEqual([expect.objectContaining({ process: "old-registry-client", status: "ACK" })]);
  expect(posts).toBe(1);
});

it("sends a NACK's reason with its secrets redacted, on the watch and in a POST (a redirect may carry it elsewhere)", async () => {
  const seen: string[] = [];
  // What leaves the client: the carried header, and a POST's body.
  const url = await front({
    seen: (headers, body) => {
      const header = headers["x-outrigger-policy-error"];
      if (typeof header === "string") seen.push(decodeURIComponent(header));
      if (body.length > 0) seen.push(body.toString("utf8"));
    },
  });
  await put(2);
  const secret = "cannot reach http://admin:hunter2@db.internal/x with Bearer abc.def.ghi";
  reporting(url, "p-secret", () => secret);
  await expect.poll(() => seen.length).toBeGreaterThan(0);
  const sent = seen.join("\n");
  expect(sent).toContain("REDACTED");
  expect(sent).not.toMatch(/hunter2|abc\.def\.ghi/);
});
