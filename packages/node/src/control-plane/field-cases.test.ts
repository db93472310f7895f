// Field cases of the SDK half of the control plane, replayed by the control-plane breaker (issue 19). Only the
// route matcher and the policy record reader are exercised here; the files under test belong to the cp-finish work.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RegistryWatchInstancer } from "@outrigger/discovery";
import { readPolicyRecord } from "@outrigger/policy";
import { describe, expect, it } from "vitest";
import type { OutriggerNodeError } from "../errors.js";
import { ControlPlane } from "./control-plane.js";
import { hostFor } from "./host.fixture.js";
import { compileRouteMatch, type RequestFacts } from "./route-match.js";

const request = (path: string): RequestFacts => ({ method: "GET", path, header: () => undefined });

describe("route regexes on hostile paths (envoyproxy/envoy#7728)", () => {
  // envoyproxy/envoy#7728 (CVE-2019-15225): a route regex `/asdf/.*` and a 50 KiB URI crashed Envoy's recursive
  // std::regex. V8's engine keeps its backtracking stack on the heap: one unbounded repetition matches in linear time.
  it("matches /asdf/.* against a 50 KiB path", () => {
    const matches = compileRouteMatch({ match: [{ uri: { regex: "/asdf/.*" } }], route: [{}] });
    expect(matches(request(`/asdf/${"a".repeat(50 * 1024)}`))).toBe(true);
    expect(matches(request(`/asdg/${"a".repeat(50 * 1024)}`))).toBe(false);
  });

  // Two unbounded repetitions over the same characters backtrack polynomially in V8 (n^10 here: minutes on a
  // 100-character path that does not match). A registry of an older version may still store such a revision; the
  // SDK's own check refuses it, so it is NACKed instead of holding every call that reaches the route.
  it("NACKs a revision whose regex would backtrack polynomially", () => {
    const policy = { routes: [{ match: [{ uri: { regex: ".*.*.*.*.*.*.*.*.*.*z" } }], route: [{}] }] };
    const update = readPolicyRecord({ service: "ORDERS", revision: 7, policy }, "orders");
    expect(update.policy).toBeNull();
    expect(update.issues?.[0]).toMatch(/^policy\.routes\[0\]\.match\[0\]\.uri/);
  });
});

describe("NACK reasons the registry takes (envoyproxy/envoy#9785)", () => {
  // envoyproxy/envoy#9785: a NACK's error detail grew with the invalid config (80 KB) past gRPC's 8 KiB trailer
  // limit and reset the stream, so the control plane never saw the NACK; Envoy now truncates it. Here the registry
  // refuses a report body over 64 KiB (413) and keeps 1 024 characters of a reason: the SDK sends at most that.
  it("sends at most 1 024 characters of a long reason, so the NACK is recorded", async () => {
    let received: (body: { status?: string; reason?: string }) => void = () => {};
    const report = new Promise<{ status?: string; reason?: string }>((resolve) => {
      received = resolve;
    });
    // The registry's report route on loopback; its watches are held until the end.
    const registry = createServer((request, response) => {
      if (request.method !== "POST") return;
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received(JSON.parse(body));
        response.setHeader("content-type", "application/json");
        response.end("{}");
      });
    });
    await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
    const { port } = registry.address() as AddressInfo;
    const watch = new RegistryWatchInstancer({ registryUrl: `http://127.0.0.1:${port}/eureka`, service: "orders" });
    try {
      const plane = new ControlPlane("client", {}, hostFor([]));
      const issues = Array.from(
        { length: 2_000 },
        (_, i) => `policy.routes[${i}]: Unrecognized key: "fromANewerVersion"`,
      );
      plane.offer("orders", { service: "ORDERS", revision: 2, policy: null, issues }, "registry", watch);
      const body = await report;
      expect(body.status).toBe("NACK");
      expect(body.reason?.length).toBeLessThanOrEqual(1_024);
      expect(body.reason).toMatch(/^policy\.routes\[0\]: Unrecognized key/);
    } finally {
      watch.close();
      registry.closeAllConnections();
      await new Promise((resolve) => registry.close(resolve));
    }
  });
});

describe("one revision number, one content (breaker, issue 19)", () => {
  // The registry keeps policies in memory: restarted alone, it numbers from 1 again, and with --policy-dir it
  // applies the directory as revision 1 whatever the files say now. A process that ran (or saved) revision 1 of the
  // registry's previous life skipped the new revision 1 as "already running" — stale policy, and no ACK — because it
  // compared numbers only. xDS versions are opaque to the client for the same reason: the content decides.
  it("applies a revision with the number it runs but other content", () => {
    const errors: OutriggerNodeError[] = [];
    const plane = new ControlPlane("client", {}, hostFor(errors));
    const before = { routes: [{ route: [{}], retry: { maxAttempts: 2 } }] };
    const now = { routes: [{ route: [{}], retry: { maxAttempts: 3 } }] };
    plane.offer("orders", { service: "ORDERS", revision: 1, policy: before }, "registry");
    plane.offer("orders", { service: "ORDERS", revision: 1, policy: now }, "registry");
    expect(plane.snapshot("orders")?.policy).toEqual(now);
    // The same number with the same content is still skipped: nothing is rebuilt.
    const running = plane.snapshot("orders");
    plane.offer("orders", { service: "ORDERS", revision: 1, policy: structuredClone(now) }, "registry");
    expect(plane.snapshot("orders")).toBe(running);
    expect(errors).toEqual([]);
  });
});

describe("og.onError never quotes a secret the refused policy carries (breaker, issue 19)", () => {
  // The registry redacts its 400s and stored NACK reasons (core's redactSecrets); the SDK's own message about a
  // revision it refused quoted the schema's issues as they were: an unknown key that is a webhook URL with userinfo,
  // or a path with `?token=`, reached og.onError (and so the application's log) in clear.
  it("redacts URL userinfo and tokens in unknown keys", () => {
    const errors: OutriggerNodeError[] = [];
    const plane = new ControlPlane("client", {}, hostFor(errors));
    const policy = {
      "https://bot:s3cr3t-pw@chat.example.com/hook": 1,
      routes: [{ route: [{}], "/hook?token=s3cr3t-tok": true }],
    };
    plane.offer("orders", readPolicyRecord({ service: "ORDERS", revision: 3, policy }, "orders"), "registry");
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe("OUTRIGGER_POLICY_REJECTED");
    expect(errors[0]?.message).toContain("https://REDACTED:REDACTED@chat.example.com/hook");
    expect(errors[0]?.message).not.toMatch(/s3cr3t-(pw|tok)/);
  });
});
