// A retry policy *around* the lb client (`policy.execute(() => http.get("lb://svc/x"))`) on real loopback
// instances: with one logical call (`lb: { call }`, made once by `createLbCall()`) carried across its executions,
// an execution never re-picks an instance an earlier one failed on. Conformance sources: Envoy's previous_hosts
// retry predicate (envoyproxy/envoy source/extensions/retry/host/previous_hosts/previous_hosts.h: a host in
// `attempted_hosts_` makes `shouldSelectAnotherHost` true) and Ribbon's MaxAutoRetriesNextServer
// (Netflix/ribbon ribbon-loadbalancer/.../reactive/LoadBalancerCommand.java `submit`: the next-server retries
// re-run `selectServer()` inside one ExecutionInfoContext per logical call).
import type { IncomingMessage, ServerResponse } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { createRetryPolicy } from "@outrigger/resilience";
import { describe, expect, it } from "vitest";
import { createLbAxios, createLbCall, type LbAxiosTransport } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { instance } from "./test-support.js";
import { fieldInstance, ok } from "./undici-field-fixture.js";

/** A dead instance: every request answered 503. */
const dead = (_request: IncomingMessage, response: ServerResponse): void => {
  response.statusCode = 503;
  response.end("dead");
};

/** A rule that always takes the first candidate: without avoidance it would pick the dead instance every time. */
const first = { choose: <T>(candidates: readonly T[]) => candidates[0] as T };

async function deadAndLive(transport: LbAxiosTransport) {
  const [d, live] = await Promise.all([fieldInstance(dead), fieldInstance(ok)]);
  const instancer = new FixedInstancer([instance("dead", "UP", d.port), instance("live", "UP", live.port)]);
  const balancer = createBalancer({ instancer, rule: first });
  // No retry of the client's own: the policy around it is the only one.
  const http = createLbAxios({ balancer: () => balancer, instancer: () => instancer, retry: false, transport });
  // A cockatiel-style retry around the call: every failure retried, no backoff.
  const outer = createRetryPolicy({ maxAttempts: 3, backoff: "none", retryOn: () => true });
  const close = async () => {
    await http.close();
    balancer.close();
    await Promise.all([d.close(), live.close()]);
  };
  return { d, live, http, outer, close };
}

describe("a retry policy around the lb client, with one logical call carried across its executions", () => {
  for (const transport of ["undici", "http"] satisfies LbAxiosTransport[]) {
    it(`${transport}: one dead and one live instance — the dead one is hit once, the retry goes to the live one`, async () => {
      const { d, live, http, outer, close } = await deadAndLive(transport);
      for (let i = 0; i < 5; i++) {
        const call = createLbCall();
        const response = await outer.execute(() => http.get("lb://svc/x", { lb: { call } }));
        expect(response.data).toBe("ok");
        expect([...call.tried]).toEqual(["dead", "live"]);
      }
      expect([d.seen.requests.length, live.seen.requests.length]).toEqual([5, 5]);
      await close();
    });
  }

  it("without a call carried, each execution is a call of its own and re-picks the dead instance (why it exists)", async () => {
    const { d, live, http, outer, close } = await deadAndLive("undici");
    const failure = await outer.execute(() => http.get("lb://svc/x")).catch((error: unknown) => error);
    expect(failure).toMatchObject({ response: { status: 503 } });
    expect([d.seen.requests.length, live.seen.requests.length]).toEqual([3, 0]);
    await close();
  });

  it("with every instance tried, the pick goes back to a tried one (avoidance is a preference, not a refusal)", async () => {
    const { d, http, close } = await deadAndLive("undici");
    const call = createLbCall();
    call.tried.add("dead").add("live");
    // The rule's own choice among all (the first, dead): an answer, not LB_ALL_INSTANCES_TRIED.
    const failure = await http.get("lb://svc/x", { lb: { call } }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ response: { status: 503 } });
    expect(d.seen.requests).toHaveLength(1);
    await close();
  });
});
