// `reportOnWatch(process)`: the watch names its process and a random key on every request, and each report carries
// the key, so the registry takes reports under that id from this process alone (registry-server's ReportClaims):
// another holder of the read token can no longer overwrite this process's ACK/NACK. A report the registry refuses
// because an earlier process still holds the id (a restart under the same id) is carried again on the next watch.
import type { IncomingHttpHeaders } from "node:http";
import { type RunningServer, startServer } from "@outrigger/registry-server";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Closers, policyReports, putPolicy, registryFront, reportingInstancer } from "./watch-report.fixture.js";

let server: RunningServer;
const closers: Closers = [];
beforeEach(async () => {
  server = await startServer({ port: 0, logLevel: false });
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await server.close();
});

const put = (maxAttempts: number) => putPolicy(server.url, maxAttempts);
const reports = () => policyReports(server.url);
const forge = (body: Record<string, unknown>) =>
  fetch(`${server.url}/outrigger/policy/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ service: "orders", clientId: "p-1", revision: 1, ...body }),
  });

/** An instancer reporting as `name` with its key; ACKs every revision, NACKs with `nack`'s reason when it gives one. */
const reporting = (registryUrl: string, name: string, nack?: (revision: number) => string | undefined) =>
  reportingInstancer(registryUrl, name, closers, { keyed: true, waitMs: 1_000, ...(nack ? { nack } : {}) });

/** A front to the registry: `seen` gets each request's headers; `answer` may add headers to an answer. */
const front = (
  seen: (headers: IncomingHttpHeaders) => void,
  answer: (headers: IncomingHttpHeaders) => Record<string, string> = () => ({}),
) =>
  registryFront(server.url, closers, {
    seen: (headers) => seen(headers),
    answerHeaders: (request, registry) => ({ ...registry, ...answer(request) }),
  });

it("names the process and one key on every watch; a forged report under its id is refused and changes nothing", async () => {
  const named: [string | undefined, string | undefined][] = [];
  // Every request this instancer sends here is a watch (the registry takes reports carried on it: no POST).
  const url = await front((headers) => {
    named.push([headers["x-outrigger-client"] as string, headers["x-outrigger-client-key"] as string]);
  });
  await put(2);
  reporting(url, "p-1", () => "subset v2 unknown");
  await expect.poll(reports).toEqual([expect.objectContaining({ process: "p-1", status: "NACK" })]);
  // From the first watch after reportOnWatch on (the first may have left before it was called).
  const keys = new Set(named.slice(1).map(([process, key]) => `${process} ${key}`));
  expect(keys.size).toBe(1);
  expect([...keys][0]).toMatch(/^p-1 /);
  expect([...new Set(named.slice(1).map(([, key]) => key))]).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{22}$/)]);
  // Another holder of the read token, without the key or with its own: refused, the NACK stays.
  for (const forged of [{ status: "ACK" }, { status: "ACK", clientKey: "forgedforgedforgedforged" }]) {
    const answer = await forge(forged);
    expect(answer.status).toBe(409);
    expect(((await answer.json()) as { code: string }).code).toBe("REGISTRY_REPORT_CLAIMED");
  }
  expect(await reports()).toEqual([expect.objectContaining({ process: "p-1", status: "NACK" })]);
});

it("a second process under a live process's id is refused on the watch, and the first one's report stays", async () => {
  await put(2);
  reporting(`${server.url}/eureka`, "p-1", () => "first process");
  await expect.poll(reports).toEqual([expect.objectContaining({ reason: "first process" })]);
  const refused: string[] = [];
  const second = await front((headers) => {
    if (headers["x-outrigger-policy-nonce"] !== undefined) refused.push(headers["x-outrigger-client-key"] as string);
  });
  reporting(second, "p-1", () => "second process");
  // Its report is carried on watch after watch (each refused: the first process still holds the id) ...
  await expect.poll(() => refused.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
  // ... and the status view still shows the first process's.
  expect(await reports()).toEqual([expect.objectContaining({ reason: "first process" })]);
});

it("carries a report again after an answer that says it was refused for another key's claim", async () => {
  let carried = 0;
  const url = await front(
    (headers) => {
      if (headers["x-outrigger-policy-nonce"] !== undefined) carried += 1;
    },
    // The first carrying watch is told "claimed", as the registry says while an earlier process holds the id.
    (headers): Record<string, string> =>
      headers["x-outrigger-policy-nonce"] !== undefined && carried === 1
        ? { "x-outrigger-policy-report-refused": "claimed" }
        : {},
  );
  await put(2);
  reporting(url, "p-2");
  await expect.poll(() => carried, { timeout: 5_000 }).toBe(2);
  await expect.poll(reports).toEqual([expect.objectContaining({ process: "p-2", status: "ACK" })]);
});
