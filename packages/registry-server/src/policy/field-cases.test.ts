import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ISTIO_PAIR } from "../policy-fixtures.js";
import { Registry } from "../registry.js";
import { MAX_DASHBOARD_PROCESSES, MAX_DASHBOARD_SERVICES, policyDashboard } from "./dashboard.js";
import { parsePolicyText, planPolicies } from "./documents.js";
import { PolicyDir, type PolicyDirEvent } from "./policy-dir.js";
import { createPolicyService } from "./policy-service.js";
import { syncPoliciesFromPeers } from "./replication.js";
import { type PolicyChange, type PolicyRecord, PolicyStore } from "./store.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const plan = (yaml: string) => planPolicies(parsePolicyText(yaml), () => undefined);
const refusal = (yaml: string): { code: string; issues: string[] } => {
  try {
    plan(yaml);
  } catch (error) {
    return error as { code: string; issues: string[] };
  }
  throw new Error("the YAML was accepted");
};
const virtualService = (http: string, host = "reviews") => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: ["${host}"]
  http:
${http}`;

describe("Istio field cases (breaker, issue 19)", () => {
  // istio/istio#36303 and #39969: an abort (or delay) without `percentage` never fires in Istio — an absent
  // percentage is the legacy integer `percent`, 0 (pilot/pkg/networking/core/route/route.go, translateFault).
  it("reads a fault without percentage as 0%, as Istio does (istio/istio#36303, istio/istio#39969)", () => {
    const yaml = virtualService(`  - route: [{ destination: { host: reviews } }]
    fault:
      abort: { httpStatus: 418 }
      delay: { fixedDelay: 7s }
`);
    expect(plan(yaml).get("REVIEWS")?.routes?.[0]?.fault).toEqual({
      abort: { httpStatus: 418, percentage: 0 },
      delay: { fixedDelayMs: 7000, percentage: 0 },
    });
  });

  it("refuses a wildcard or empty host: a policy is one service's, and a key of '*' reached none", () => {
    const routes = '  - route: [{ destination: { host: "*.example.com" } }]\n';
    expect(refusal(virtualService(routes, "*.example.com"))).toMatchObject({
      code: "REGISTRY_POLICY_UNSUPPORTED",
      issues: ["spec.hosts[0] (a wildcard or empty host names no one service: name the service's host)"],
    });
    const rule =
      "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: x }\nspec: { host: '*' }\n";
    expect(refusal(rule).code).toBe("REGISTRY_POLICY_UNSUPPORTED");
    const bare = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: { name: x }\nspec: {}\n";
    expect(refusal(bare).issues).toEqual(["spec.hosts (one host is required)"]);
  });

  // istio/istio#6335: a VirtualService naming subsets no DestinationRule defines answered 503 (NR) at run time.
  // Here the apply is refused, naming the route; so is a DestinationRule that drops a subset still routed to.
  it("refuses routes to undefined subsets at apply time instead of failing calls (istio/istio#6335)", () => {
    const [rule, service] = parsePolicyText(ISTIO_PAIR);
    const stored = planPolicies([rule as never, service as never], () => undefined).get("REVIEWS");
    const dropV2 = ISTIO_PAIR.split("---")[0]?.replace(/ {2}- name: v2\n[\s\S]*$/, "") ?? "";
    expect(() => planPolicies(parsePolicyText(dropV2), () => stored)).toThrowError(
      expect.objectContaining({
        code: "REGISTRY_POLICY_INVALID",
        issues: expect.arrayContaining([expect.stringContaining('routes[0].route[0].subset: subset "v2" is not')]),
      }),
    );
  });

  // Envoy's weighted_cluster (contour#477: "Sum of weights in the weighted_cluster should add up to 100") and
  // Consul's service-splitter (hashicorp/consul#10519: "Weight sum must be equal to 100") take percentages; newer
  // Istio reads weights as relative. Outrigger takes percentages and says so rather than guessing a normalisation.
  it("refuses weights that are not percentages adding up to 100, naming the route (hashicorp/consul#10519)", () => {
    const yaml = virtualService(`  - route:
    - { destination: { host: reviews }, weight: 1 }
    - { destination: { host: reviews }, weight: 3 }
`);
    expect(refusal(yaml).issues).toEqual([
      "REVIEWS (VirtualService reviews): routes[0].route: weights must add up to 100",
    ]);
    expect(refusal(yaml.replace("weight: 3", "weight: -99")).code).toBe("REGISTRY_POLICY_INVALID");
  });
});

describe("hostile YAML shapes (breaker, issue 19)", () => {
  const doc = (spec: string) =>
    `apiVersion: outrigger.dev/v1\nkind: TrafficPolicy\nmetadata: { name: orders }\nspec: ${spec}\n`;
  const fault = (percentage: number) =>
    doc(`{ routes: [{ route: [{}], fault: { abort: { httpStatus: 503, percentage: ${percentage} } } }] }`);

  it("refuses tabs as indentation and percentages outside 0–100, and reads empty documents as nothing", () => {
    const tabbed = "apiVersion: outrigger.dev/v1\nkind: TrafficPolicy\nmetadata:\n\tname: orders\nspec: {}\n";
    expect(() => plan(tabbed)).toThrowError(
      expect.objectContaining({ code: expect.stringMatching(/^REGISTRY_POLICY_/) }),
    );
    for (const bad of [-1, 100.5, 1e9]) {
      expect(refusal(fault(bad)).issues).toEqual([
        expect.stringMatching(
          /^ORDERS \(TrafficPolicy orders\): routes\[0\]\.fault\.abort\.percentage: Too (small|big)/,
        ),
      ]);
    }
    expect(plan(fault(0.5)).get("ORDERS")?.routes?.[0]?.fault?.abort?.percentage).toBe(0.5);
    expect([...plan(`---\n# nothing\n---\n${fault(1)}---\n`).keys()]).toEqual(["ORDERS"]);
  });

  // istio/istio#22858: Istio does not check that http route names are unique ("it is possible to have duplicate
  // names"); a name is a label here too (the first matching route wins, by order), so duplicates are accepted.
  it("accepts duplicate route names, as Istio (istio/istio#22858)", () => {
    const twice = doc(
      "{ routes: [{ name: a, match: [{ uri: { prefix: /x } }], route: [{}] }, { name: a, route: [{}] }] }",
    );
    expect(
      plan(twice)
        .get("ORDERS")
        ?.routes?.map((r) => r.name),
    ).toEqual(["a", "a"]);
  });
});

describe("replication field cases (breaker, issue 19)", () => {
  // Two registries each took an apply of the same service before replication met: both wrote revision 2 with other
  // content. An SDK skips a revision it already runs (as an xDS client skips a known version_info), so a process
  // watching the losing peer kept its content while the dashboard showed every process ACKing revision 2.
  it("gives the winning content of a same-revision conflict a new revision: one number, one content", () => {
    let t = 1_000;
    const clock = { now: () => t };
    const a = new PolicyStore({ clock });
    const b = new PolicyStore({ clock });
    const seenOnA: PolicyChange[] = [];
    a.onChange((change) => seenOnA.push(change));
    const toPeer = (from: PolicyStore, to: PolicyStore) =>
      from.onChange(({ record, origin }) => origin === "local" && to.receive(record));
    const policy = (maxAttempts: number) => ({ routes: [{ route: [{}], retry: { maxAttempts } }] });
    a.put("orders", policy(1));
    b.receive(a.get("orders") as PolicyRecord);
    a.put("orders", policy(2));
    t += 1;
    b.put("orders", policy(3));
    // Replication meets now: each peer receives the other's revision 2, and what it sends on in turn.
    cleanups.push(toPeer(a, b), toPeer(b, a));
    a.receive(b.get("orders") as PolicyRecord);
    b.receive(a.history("orders").find((r) => r.revision === 2) as PolicyRecord);
    const contents = new Map<number, string>();
    for (const { record } of seenOnA) {
      const content = JSON.stringify(record.policy);
      expect(contents.get(record.revision) ?? content).toBe(content);
      contents.set(record.revision, content);
    }
    expect(a.get("orders")).toMatchObject({ revision: 3, policy: policy(3) });
    expect(b.get("orders")).toMatchObject({ revision: 3, policy: policy(3) });
  });

  it("a restarted peer takes every policy it can read, not none when one record is refused", async () => {
    const good = {
      service: "ORDERS",
      revision: 1,
      globalRevision: 1,
      updatedAt: 1,
      policy: { routes: [{ route: [{}] }] },
    };
    const newer = { ...good, service: "USERS", policy: { routes: [{ route: [{}], fromANewerVersion: true }] } };
    const peer = createServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ revision: 2, services: [newer, good] }));
    });
    await new Promise<void>((resolve) => peer.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => peer.close(() => resolve())));
    const { port } = peer.address() as { port: number };
    const store = new PolicyStore();
    expect(await syncPoliciesFromPeers(store, [`http://127.0.0.1:${port}/eureka`], undefined)).toBe(1);
    expect(store.get("orders")?.revision).toBe(1);
  });
});

describe("report flood (breaker, issue 19)", () => {
  it("keeps a service's dashboard row bounded under 10 000 reporting processes, NACKs listed first", () => {
    const policies = createPolicyService(new Registry());
    cleanups.push(() => policies.close());
    policies.store.put("orders", { routes: [{ route: [{}] }] });
    for (let i = 0; i < 10_000; i += 1) {
      policies.reports.record({ service: "orders", clientId: `p${i}`, revision: 1, status: "ACK" });
    }
    for (let i = 0; i < 3; i += 1) {
      policies.reports.record({ service: "orders", clientId: `bad${i}`, revision: 1, status: "NACK", reason: "x" });
    }
    const [row] = policyDashboard(policies).rows;
    expect(row).toMatchObject({ service: "ORDERS", revision: 1, total: 10_000, nacks: 3, current: 9_997 });
    expect(row?.processes).toHaveLength(MAX_DASHBOARD_PROCESSES);
    expect(row?.processes.slice(0, 3).map((p) => p.status)).toEqual(["NACK", "NACK", "NACK"]);
  });
});

describe("service flood on the dashboard (breaker, issue 19)", () => {
  // The process list of a row was capped, the rows were not: 10 000 services with a policy were 10 000 rows in every
  // dashboard push to every open stream, and a NACK of the last one by name was somewhere near the end.
  it("lists at most MAX_DASHBOARD_SERVICES rows, services with a NACK first, then those behind, and counts them all", () => {
    const policies = createPolicyService(new Registry());
    cleanups.push(() => policies.close());
    for (let i = 0; i < 10_000; i += 1) policies.store.put(`svc-${String(i).padStart(5, "0")}`, {});
    policies.store.put("svc-09999", { routes: [{ route: [{}] }] });
    policies.reports.record({ service: "svc-09999", clientId: "p1", revision: 1, status: "NACK", reason: "x" });
    policies.reports.record({ service: "svc-05000", clientId: "p2", revision: 0, status: "ACK" });
    policies.reports.record({ service: "svc-00001", clientId: "p3", revision: 1, status: "ACK" });
    const { rows, services } = policyDashboard(policies);
    expect(services).toBe(10_000);
    expect(rows).toHaveLength(MAX_DASHBOARD_SERVICES);
    expect(rows.slice(0, 4).map((r) => r.service)).toEqual(["SVC-09999", "SVC-05000", "SVC-00000", "SVC-00001"]);
    expect(rows[0]).toMatchObject({ revision: 2, nacks: 1, total: 1 });
  });
});

describe("GitOps directory field cases (breaker, issue 19)", () => {
  it("applies a file again when it is put back after a removal, even with the same bytes", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "orders.yaml");
    const text = "apiVersion: outrigger.dev/v1\nkind: TrafficPolicy\nmetadata: { name: orders }\nspec: {}\n";
    await writeFile(file, text);
    const store = new PolicyStore();
    const events: PolicyDirEvent[] = [];
    const watcher = new PolicyDir({ dir, store, pollIntervalMs: 600_000, settleMs: 0, onEvent: (e) => events.push(e) });
    cleanups.push(() => watcher.close());
    await watcher.scan();
    // Someone changed the policy by hand; the file is removed, then restored (a reverted deletion in git).
    store.put("orders", { routes: [{ route: [{}] }] });
    await unlink(file);
    await watcher.scan();
    await writeFile(file, text);
    await watcher.scan();
    expect(store.get("orders")).toMatchObject({ revision: 3, policy: {} });
    expect(events.map((e) => e.event)).toEqual(["policy-applied", "policy-applied"]);
  });

  it("refuses a file that is not UTF-8 instead of storing U+FFFD in its values", async () => {
    const dir = await mkdtemp(join(tmpdir(), "policy-dir-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const yaml = `apiVersion: outrigger.dev/v1
kind: TrafficPolicy
metadata: { name: orders }
spec: { routes: [{ match: [{ headers: { x-city: { exact: "Zürich" } } }], route: [{}] }] }
`;
    await writeFile(join(dir, "latin1.yaml"), Buffer.from(yaml, "latin1"));
    await writeFile(join(dir, "utf8-bom.yaml"), `\ufeff${yaml.replace("orders", "users")}`);
    const store = new PolicyStore();
    const events: PolicyDirEvent[] = [];
    const watcher = new PolicyDir({ dir, store, pollIntervalMs: 600_000, settleMs: 0, onEvent: (e) => events.push(e) });
    cleanups.push(() => watcher.close());
    await watcher.scan();
    expect(events).toMatchObject([
      { event: "policy-refused", code: "REGISTRY_POLICY_INVALID", message: expect.stringContaining("not UTF-8") },
      { event: "policy-applied", services: { USERS: 1 } },
    ]);
    expect(store.get("orders")).toBeUndefined();
    expect(JSON.stringify(store.get("users")?.policy)).toContain("Zürich");
  });
});
