import { describe, expect, it } from "vitest";
import { CANARY_ROUTE, ISTIO_PAIR } from "../policy-fixtures.js";
import { parsePolicyText, planPolicies } from "./documents.js";

describe("Istio import", () => {
  it("maps a DestinationRule and VirtualService pair onto one service policy", () => {
    const planned = planPolicies(parsePolicyText(ISTIO_PAIR), () => undefined);
    expect([...planned.keys()]).toEqual(["REVIEWS"]);
    expect(planned.get("REVIEWS")).toEqual({
      destination: {
        loadBalancer: { name: "p2c-least-request" },
        connectionPool: {
          maxConnections: 100,
          connectTimeout: "30ms",
          maxPendingRequests: 10,
          maxRequests: 50,
          maxRetries: 3,
        },
        outlierDetection: { consecutive5xx: 7, interval: "5m", baseEjectionTime: "15m" },
        subsets: [
          { name: "v1", labels: { version: "v1" } },
          { name: "v2", labels: { version: "v2" }, trafficPolicy: { loadBalancer: { name: "round-robin" } } },
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
    retries: { attempts: 2, retryRemoteLocalities: true }
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
`;
    expect(() => parsePolicyText(yaml)).toThrow(
      /spec\.trafficPolicy\.tls; spec\.trafficPolicy\.portLevelSettings; spec\.trafficPolicy\.loadBalancer\.consistentHash/,
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
