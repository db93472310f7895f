// `reportOnWatch()`: the ACK/NACK of a new policy rides on the next watch request, as an xDS client's next
// DiscoveryRequest carries `response_nonce` and, on a NACK, `error_detail` (envoy/service/discovery/v3/discovery.proto:
// "no new request is sent after a response is received until the Envoy instance is ready to ACK/NACK"). A registry
// that does not say it reads them (an older one: no `X-Outrigger-Policy-Reports: watch`) gets the POST as before.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { IncomingHttpHeaders } from "node:http";
import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Closers, policyReports, putPolicy, registryFront, reportingInstancer } from "./watch-report.fixture.js";

let server: RunningServer;
const closers: Closers = [];
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

const put = (maxAttempts: number) => putPolicy(server.url, maxAttempts);
const reports = () => policyReports(server.url);
const reporting = (registryUrl: string, name: string, nack?: (revision: number) => string | undefined) =>
  reportingInstancer(registryUrl, name, closers, nack ? { nack } : {});

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

/** A front to the registry; `dropReportsHeader` drops `X-Outrigger-Policy-Reports` from answers, as an older registry. */
const front = (
  options: { seen?: (headers: IncomingHttpHeaders, body: Buffer) => void; dropReportsHeader?: boolean } = {},
) =>
  registryFront(server.url, closers, {
    ...(options.seen ? { seen: options.seen } : {}),
    answerHeaders: (_request, answer) => {
      if (!options.dropReportsHeader) return answer;
      const { "x-outrigger-policy-reports": _dropped, ...rest } = answer;
      return rest;
    },
  });

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
