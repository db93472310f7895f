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
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { createLbAxios, createLbCall, type LbAxiosTransport } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { withLbCall } from "./lb-call-dispatcher.js";
import { instance } from "./test-support.js";
import { createLbDispatcher } from "./undici-dispatcher.js";
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

describe("direct undici users: withLbCall(dispatcher, call) carries one logical call through fetch and undici.request", () => {
  async function deadAndLiveDispatcher() {
    const [d, live] = await Promise.all([fieldInstance(dead), fieldInstance(ok)]);
    const instancer = new FixedInstancer([instance("dead", "UP", d.port), instance("live", "UP", live.port)]);
    // No ejection: the dead instance must stay pickable for all six logical calls (five 5xx in a row would eject it).
    const balancer = createBalancer({ instancer, rule: first, outlierDetection: false });
    const lb = createLbDispatcher({ balancer: () => balancer, instancer: () => instancer, retry: false });
    const outer = createRetryPolicy({ maxAttempts: 3, backoff: "none", retryOn: () => true });
    const close = async () => {
      await lb.close();
      balancer.close();
      await Promise.all([d.close(), live.close()]);
    };
    return { d, live, lb, outer, close };
  }
  /** A 5xx answer as a failure the policy around retries, its body drained. */
  const failOn5xx = async (status: number, drain: () => Promise<unknown>) => {
    if (status >= 500) {
      await drain();
      throw new Error(`status ${status}`);
    }
  };

  it("undici.request and global fetch: the dead instance is hit once per logical call, the retry goes to the live one", async () => {
    const { d, live, lb, outer, close } = await deadAndLiveDispatcher();
    for (let i = 0; i < 3; i++) {
      const call = createLbCall();
      const body = await outer.execute(async () => {
        const answer = await request("http://svc/x", { dispatcher: withLbCall(lb, call) });
        await failOn5xx(answer.statusCode, () => answer.body.dump());
        return answer.body.text();
      });
      expect(body).toBe("ok");
      expect([...call.tried]).toEqual(["dead", "live"]);
    }
    for (let i = 0; i < 3; i++) {
      const call = createLbCall();
      const body = await outer.execute(async () => {
        const answer = await fetch("http://svc/x", { dispatcher: withLbCall(lb, call) } as RequestInit);
        await failOn5xx(answer.status, () => answer.arrayBuffer());
        return answer.text();
      });
      expect(body).toBe("ok");
      expect([...call.tried]).toEqual(["dead", "live"]);
    }
    expect([d.seen.requests.length, live.seen.requests.length]).toEqual([6, 6]);
    await close();
  });

  it("without it each run re-picks the dead instance; closing the call's dispatcher leaves the lb dispatcher open", async () => {
    const { d, live, lb, outer, close } = await deadAndLiveDispatcher();
    const failure = await outer
      .execute(async () => {
        const answer = await request("http://svc/x", { dispatcher: lb });
        await failOn5xx(answer.statusCode, () => answer.body.dump());
      })
      .catch((error: unknown) => error);
    expect(String(failure)).toContain("status 503");
    expect([d.seen.requests.length, live.seen.requests.length]).toEqual([3, 0]);
    const perCall = withLbCall(lb, createLbCall());
    await perCall.close();
    await perCall.destroy();
    const after = await request("http://svc/x", { dispatcher: lb });
    expect(after.statusCode).toBe(503); // the rule's first pick, sent: the shared dispatcher still works
    await after.body.dump();
    await close();
  });
});
