import { describe, expect, it } from "vitest";
import { CANARY_ROUTE, ISTIO_PAIR } from "../policy-fixtures.js";
import { parsePolicyText, planPolicies } from "./documents.js";

describe("Istio import", () => {
  it("maps a DestinationRule and VirtualService pair onto one service policy", () => {
    const planned = planPolicies(parsePolicyText(ISTIO_PAIR), () => undefined);
    expect([...planned.keys()]).toEqual(["REVIEWS"]);
    expect(planned.get("REVIEWS")).toEqual({
      destination: {
        rule: { name: "p2c-least-request" },
        bulkhead: { maxConcurrent: 50, maxQueue: 10 },
        // As Istio's Envoy: max_ejection_percent is a strict cap (no always_eject_one_host).
        outlierDetection: {
          consecutive5xx: 7,
          intervalMs: 300_000,
          baseEjectionTimeMs: 900_000,
          alwaysEjectOneHost: false,
        },
        subsets: [
          { name: "v1", labels: { version: "v1" } },
          { name: "v2", labels: { version: "v2" }, trafficPolicy: { rule: { name: "round-robin" } } },
        ],
      },
      routes: [{ match: [{ headers: { "x-canary": { exact: "true" } } }], route: [{ subset: "v2" }] }, CANARY_ROUTE],
    });
  });

  it("keeps the part a document does not carry: a VirtualService alone keeps the stored destination", () => {
    const [rule, service] = parsePolicyText(ISTIO_PAIR);
    const stored = planPolicies([rule as never], () => undefined).get("REVIEWS");
    const next = planPolicies([service as never], () => stored).get("REVIEWS");
    expect(next?.destination).toEqual(stored?.destination);
    expect(next?.routes).toHaveLength(2);
  });

  it("refuses every unsupported field at once, naming its path", () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews, ratings]
  gateways: [mesh]
  http:
  - match:
    - uri: { prefix: /a }
      queryParams: { a: { exact: b } }
    rewrite: { uri: / }
    route:
    - destination: { host: reviews, port: { number: 9080 } }
      headers: { request: { set: { a: b } } }
    retries: { attempts: 2, retryOn: 5xx, retryRemoteLocalities: true }
    fault:
      abort: { grpcStatus: UNAVAILABLE, percentage: { value: 1 } }
`;
    try {
      parsePolicyText(yaml);
      throw new Error("accepted");
    } catch (error) {
      expect((error as { code: string }).code).toBe("REGISTRY_POLICY_UNSUPPORTED");
      expect((error as { issues: string[] }).issues).toEqual([
        "spec.gateways",
        "spec.hosts[1] (one host per VirtualService)",
        "spec.http[0].rewrite",
        "spec.http[0].match[0].queryParams",
        "spec.http[0].route[0].headers",
        "spec.http[0].route[0].destination.port",
        "spec.http[0].retries.retryOn",
        "spec.http[0].retries.retryRemoteLocalities",
        "spec.http[0].fault.abort.grpcStatus",
      ]);
    }
  });

  it("refuses a DestinationRule's TLS, consistent hashing and port-level settings", () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews }
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: { consistentHash: { httpHeaderName: x-user } }
    tls: { mode: ISTIO_MUTUAL }
    portLevelSettings: []
    connectionPool: { tcp: { maxConnections: 100 }, http: { maxRetries: 3 } }
`;
    expect(() => parsePolicyText(yaml)).toThrow(
      /spec\.trafficPolicy\.tls; spec\.trafficPolicy\.portLevelSettings; spec\.trafficPolicy\.loadBalancer\.consistentHash; spec\.trafficPolicy\.connectionPool\.tcp; spec\.trafficPolicy\.connectionPool\.http\.maxRetries/,
    );
  });

  it("converts Istio durations to the model's milliseconds and refuses one that is not a duration", () => {
    const vs = (timeout: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews }
spec:
  hosts: [reviews]
  http:
  - route: [{ destination: { host: reviews } }]
    timeout: ${timeout}
    retries: { attempts: 0, perTryTimeout: 1.5s }
`;
    const planned = planPolicies(parsePolicyText(vs("250ms")), () => undefined).get("REVIEWS");
    expect(planned?.routes?.[0]).toMatchObject({
      timeout: { perTryMs: 1500, totalMs: 250 },
      retry: { maxAttempts: 1 },
    });
    expect(() => parsePolicyText(vs("soon"))).toThrowError(
      expect.objectContaining({
        code: "REGISTRY_POLICY_INVALID",
        issues: ["spec.http[0].timeout: must be a duration such as 250ms, 1.5s or 2m (at most 24h)"],
      }),
    );
  });

  it("refuses other kinds and versions, and YAML with duplicate keys", () => {
    expect(() => parsePolicyText("apiVersion: networking.istio.io/v1alpha3\nkind: VirtualService\n")).toThrow(
      /unsupported kind/,
    );
    expect(() => parsePolicyText("apiVersion: v1\nkind: ConfigMap\n")).toThrow(/REGISTRY|unsupported kind/);
    expect(() => parsePolicyText("a: 1\na: 2\n")).toThrow(/not valid YAML/);
  });
});
