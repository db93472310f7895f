// A watch request that carries the SDK's ACK/NACK of the last policy it was sent (xDS: the next DiscoveryRequest's
// `response_nonce` and `error_detail`, envoy/service/discovery/v3/discovery.proto) is recorded as
// `POST /outrigger/policy/reports` records one: the status view reads the same either way. A bad carried report
// is refused with REGISTRY_BAD_REQUEST, as a bad POST is.
import { describe, expect, it } from "vitest";
import { appWithPolicy, POLICY_TOKENS } from "../policy-fixtures.js";

const READ = POLICY_TOKENS.read;
const read = { authorization: `Bearer ${READ}` };
const withPolicy = appWithPolicy;

const watch = (server: Awaited<ReturnType<typeof withPolicy>>, headers: Record<string, string>) =>
  server.inject({ url: "/outrigger/watch/apps/ORDERS?index=-1&wait=1s", headers: { ...read, ...headers } });
const view = async (server: Awaited<ReturnType<typeof withPolicy>>) =>
  ((await server.inject({ url: "/outrigger/policy/reports", headers: read })).json() as { reports: unknown[] }).reports;
const post = (server: Awaited<ReturnType<typeof withPolicy>>, body: Record<string, unknown>) =>
  server.inject({ method: "POST", url: "/outrigger/policy/reports", headers: read, payload: body });

describe("policy reports carried on the watch request", () => {
  it("says on every watch answer that it reads them", async () => {
    const server = await withPolicy();
    expect((await watch(server, {})).headers["x-outrigger-policy-reports"]).toBe("watch");
  });

  it("records an ACK and a NACK (reason percent-encoded) as the POST route records the same reports", async () => {
    const reason = "destination.subsets[0]: rule.choiceCount — ünknown";
    const carried = await withPolicy();
    expect((await watch(carried, { "x-outrigger-client": "p%201", "x-outrigger-policy-nonce": "1" })).statusCode).toBe(
      200,
    );
    const viaWatch = [...(await view(carried))];
    const nack = {
      "x-outrigger-client": "p%202",
      "x-outrigger-policy-nonce": "1",
      "x-outrigger-policy-error": encodeURIComponent(reason),
    };
    expect((await watch(carried, nack)).statusCode).toBe(200);
    viaWatch.push(...(await view(carried)).slice(1));

    const posted = await withPolicy();
    await post(posted, { service: "orders", clientId: "p 1", revision: 1, status: "ACK" });
    await post(posted, { service: "orders", clientId: "p 2", revision: 1, status: "NACK", reason });
    const withoutTime = (reports: unknown[]) => reports.map((r) => ({ ...(r as object), at: 0 }));
    expect(withoutTime(viaWatch)).toEqual(withoutTime(await view(posted)));
    expect(withoutTime(viaWatch)).toEqual([
      { service: "ORDERS", process: "p 1", revision: 1, status: "ACK", at: 0 },
      { service: "ORDERS", process: "p 2", revision: 1, status: "NACK", reason, at: 0 },
    ]);
  });

  it("refuses a bad carried report with REGISTRY_BAD_REQUEST, and records nothing", async () => {
    const server = await withPolicy();
    const bad: Record<string, string>[] = [
      { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": "one" },
      { "x-outrigger-policy-nonce": "1" },
      { "x-outrigger-client": "p-1", "x-outrigger-policy-nonce": "1", "x-outrigger-policy-error": "%E0%A4%A" },
    ];
    for (const headers of bad) {
      const answer = await watch(server, headers);
      expect([answer.statusCode, answer.json().code]).toEqual([400, "REGISTRY_BAD_REQUEST"]);
    }
    expect(await view(server)).toEqual([]);
  });
});
