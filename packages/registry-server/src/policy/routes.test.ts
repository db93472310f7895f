import { describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { ISTIO_PAIR } from "../policy-fixtures.js";
import { Registry } from "../registry.js";

const TOKEN = "w-s3cret";
const READ = "r-s3cret";
const write = { authorization: `Bearer ${TOKEN}` };
const read = { authorization: `Bearer ${READ}` };
const split = (v2: number) => ({
  destination: {
    subsets: [
      { name: "v1", labels: { version: "v1" } },
      { name: "v2", labels: { version: "v2" } },
    ],
  },
  routes: [
    {
      route: [
        { subset: "v1", weight: 100 - v2 },
        { subset: "v2", weight: v2 },
      ],
    },
  ],
});

function app() {
  return buildApp({ registry: new Registry(), token: TOKEN, readToken: READ });
}

describe("policy REST API", () => {
  it("writes with the write token, reads with the read token, and keeps history for rollback", async () => {
    const server = app();
    const put = (body: unknown, headers = write) =>
      server.inject({ method: "PUT", url: "/outrigger/policy/services/orders", headers, payload: body as object });
    expect((await put(split(5), read)).json()).toMatchObject({ code: "REGISTRY_FORBIDDEN" });
    expect((await put(split(5))).json()).toMatchObject({ changed: true, record: { service: "ORDERS", revision: 1 } });
    expect((await put(split(50))).json()).toMatchObject({ record: { revision: 2 } });
    const got = await server.inject({ url: "/outrigger/policy/services/ORDERS", headers: read });
    expect(got.headers["x-outrigger-policy-revision"]).toBe("2");
    expect(got.json().policy).toEqual(split(50));
    const history = await server.inject({ url: "/outrigger/policy/services/orders/history", headers: read });
    expect(history.json().revisions.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
    const back = await server.inject({
      method: "POST",
      url: "/outrigger/policy/services/orders/rollback",
      headers: write,
      payload: { revision: 1 },
    });
    expect(back.json().record).toMatchObject({ revision: 3, rolledBackFrom: 1, policy: split(5) });
    const gone = await server.inject({ method: "DELETE", url: "/outrigger/policy/services/orders", headers: write });
    expect(gone.json().record).toMatchObject({ revision: 4, policy: null });
    expect((await server.inject({ url: "/outrigger/policy/services/orders", headers: read })).statusCode).toBe(404);
    await server.close();
  });

  it("answers 400 naming each bad path, and changes nothing", async () => {
    const server = app();
    const bad = await server.inject({
      method: "PUT",
      url: "/outrigger/policy/services/orders",
      headers: write,
      payload: { routes: [{ route: [{ weight: 150 }], timeout: { totalMs: "later" } }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual({
      code: "REGISTRY_POLICY_INVALID",
      message:
        "The policy is not valid: routes[0].route[0].weight: Too big: expected number to be <=100; routes[0].timeout.totalMs: Invalid input: expected number, received string",
      issues: [
        "routes[0].route[0].weight: Too big: expected number to be <=100",
        "routes[0].timeout.totalMs: Invalid input: expected number, received string",
      ],
    });
    expect((await server.inject({ url: "/outrigger/policy", headers: read })).json()).toEqual({
      revision: 0,
      services: [],
    });
    await server.close();
  });

  it("applies Istio YAML, plans without writing on dryRun, and refuses unsupported fields with 400", async () => {
    const server = app();
    const apply = (body: string, query = "") =>
      server.inject({
        method: "POST",
        url: `/outrigger/policy/apply${query}`,
        headers: { ...write, "content-type": "application/yaml" },
        payload: body,
      });
    const plan = (await apply(ISTIO_PAIR, "?dryRun=true")).json();
    expect(plan.changes).toMatchObject([{ service: "REVIEWS", changed: true, fromRevision: null, before: null }]);
    expect((await server.inject({ url: "/outrigger/policy", headers: read })).json().services).toEqual([]);
    expect((await apply(ISTIO_PAIR)).json().records).toMatchObject([{ service: "REVIEWS", revision: 1 }]);
    expect((await apply(ISTIO_PAIR)).json().changes).toMatchObject([{ changed: false }]);
    const refused = await apply(ISTIO_PAIR.replace("timeout: 2s", "timeout: 2s\n    rewrite: { uri: / }"));
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: "REGISTRY_POLICY_UNSUPPORTED", issues: ["spec.http[1].rewrite"] });
    await server.close();
  });

  it("records ACK/NACK reports with the read token and shows them on the dashboard feed", async () => {
    const server = app();
    await server.inject({ method: "PUT", url: "/outrigger/policy/services/orders", headers: write, payload: split(5) });
    const report = (body: object) =>
      server.inject({ method: "POST", url: "/outrigger/policy/reports", headers: read, payload: body });
    expect((await report({ service: "orders", instanceId: "a", revision: 1, status: "ACK" })).statusCode).toBe(200);
    await report({
      service: "orders",
      clientId: "b",
      revision: 1,
      status: "NACK",
      reason: "subset v2 has no instance",
    });
    expect((await report({ service: "orders", revision: 1, status: "OK" })).json().message).toMatch(
      /instanceId or clientId/,
    );
    const state = (await server.inject({ url: "/outrigger/dashboard", headers: read })).json();
    expect(state.policies).toEqual([
      {
        service: "ORDERS",
        revision: 1,
        current: 1,
        nacks: 1,
        total: 2,
        // NACKs first: what an operator acts on.
        processes: [
          expect.objectContaining({ process: "b", status: "NACK", reason: "subset v2 has no instance" }),
          expect.objectContaining({ process: "a", revision: 1, status: "ACK" }),
        ],
      },
    ]);
    await server.close();
  });

  it("a policy change wakes a held watch of its application, which answers with the new policy", async () => {
    const server = app();
    const first = await server.inject({ url: "/outrigger/watch/apps/orders", headers: read });
    expect(first.json().policy).toBeNull();
    const index = first.headers["x-outrigger-index"];
    const held = server.inject({ url: `/outrigger/watch/apps/ORDERS?index=${index}&wait=60s`, headers: read });
    // Another service's policy does not wake it.
    await server.inject({ method: "PUT", url: "/outrigger/policy/services/users", headers: write, payload: split(5) });
    await server.inject({ method: "PUT", url: "/outrigger/policy/services/orders", headers: write, payload: split(5) });
    const answer = await held;
    expect(Number(answer.headers["x-outrigger-index"])).toBeGreaterThan(Number(index));
    expect(answer.headers["x-outrigger-policy-revision"]).toBe("1");
    expect(answer.json().policy).toMatchObject({ service: "ORDERS", revision: 1, policy: split(5) });
    await server.close();
  });
});
