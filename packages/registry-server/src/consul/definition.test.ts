import { describe, expect, it } from "vitest";
import { isRegistryError } from "../errors.js";
import { parseServiceDefinition } from "./definition.js";
import { blockingHoldMs, parseDuration } from "./duration.js";

const reason = (body: unknown): string => {
  try {
    parseServiceDefinition(body, "10.0.0.9");
  } catch (error) {
    expect(isRegistryError(error) && error.code).toBe("REGISTRY_CONSUL_BAD_REQUEST");
    return (error as Error).message;
  }
  throw new Error("expected a 400");
};

describe("Consul service definitions", () => {
  it("reads CamelCase, snake_case and lower-case keys alike, and names a single check service:<ID>", () => {
    const camel = parseServiceDefinition(
      {
        Name: "web",
        ID: "web-1",
        Tags: ["v1"],
        Port: 8080,
        Meta: { zone: "a" },
        Weights: { Passing: 3, Warning: 1 },
        Check: { TTL: "15s", DeregisterCriticalServiceAfter: "1m", Status: "passing" },
      },
      "10.0.0.9",
    );
    const snake = parseServiceDefinition(
      {
        name: "web",
        id: "web-1",
        tags: ["v1"],
        port: 8080,
        meta: { zone: "a" },
        weights: { passing: 3, warning: 1 },
        check: { ttl: "15s", deregister_critical_service_after: "1m", status: "passing" },
      },
      "10.0.0.9",
    );
    expect(snake).toEqual(camel);
    expect(camel.address).toBe("10.0.0.9"); // no Address: the caller's
    expect(camel.checks).toEqual([
      {
        id: "service:web-1",
        name: "Service check service:web-1",
        notes: "",
        kind: { type: "ttl", ttlMs: 15_000 },
        status: "passing",
        deregisterCriticalAfterMs: 60_000,
      },
    ]);
  });

  it("numbers several checks, keeps a given CheckID, starts checks critical, and reads HTTP and TCP checks", () => {
    const def = parseServiceDefinition(
      {
        Name: "api",
        Checks: [
          { HTTP: "http://127.0.0.1:1/health", Interval: "10s", Timeout: "1s", Header: { "X-A": ["1", "2"] } },
          { TCP: "127.0.0.1:1", Interval: "1m30s" },
          { CheckID: "mine", TTL: "5s" },
        ],
      },
      "h",
    );
    expect(def.id).toBe("api");
    expect(def.checks.map((c) => [c.id, c.status, c.kind.type])).toEqual([
      ["service:api:1", "critical", "http"],
      ["service:api:2", "critical", "tcp"],
      ["mine", "critical", "ttl"],
    ]);
    expect(def.checks[0]?.kind).toMatchObject({ timeoutMs: 1000, headers: { "X-A": "1, 2" }, method: "GET" });
    expect(def.checks[1]?.kind).toMatchObject({ intervalMs: 90_000, timeoutMs: 10_000 });
  });

  it("answers Consul-style 400 reasons for what it cannot accept", () => {
    expect(reason({ Port: 1 })).toBe("Missing service name");
    expect(reason("web")).toMatch(/JSON object/);
    expect(reason({ Name: "w", Port: "80" })).toBe("Request decode failed: Port must be an int, not a string");
    expect(reason({ Name: "w", Port: 80.5 })).toMatch(/Port must be a whole number/);
    expect(reason({ Name: "w", Tags: "a" })).toBe("Request decode failed: Tags must be a []string, not a string");
    expect(reason({ Name: "w", Check: { TTL: "soon" } })).toMatch(/"soon" is not a duration/);
    expect(reason({ Name: "w", Check: { HTTP: "http://x/" } })).toMatch(/need an Interval/);
    expect(reason({ Name: "w", Check: { Args: ["/bin/true"], Interval: "1s" } })).toMatch(/not supported/);
    expect(reason({ Name: "w", Check: { TTL: "1s", Status: "fine" } })).toMatch(/Invalid check status/);
    expect(reason({ Name: "w", Check: { TCP: "nohost", Interval: "1s" } })).toMatch(/host:port/);
    expect(reason({ Name: "w", Weights: { Passing: 0 } })).toMatch(/Passing must be greater than 0/);
  });

  it("reads Go durations and bounds blocking waits like Consul (default 5 min, max 10 min, + wait/16 jitter)", () => {
    expect(parseDuration("1m30s")).toBe(90_000);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("1h")).toBe(3_600_000);
    expect(parseDuration(5_000_000_000)).toBe(5000); // nanoseconds, as Go's time.Duration marshals
    // A string goes through time.ParseDuration (CheckType.UnmarshalJSON): no unit is no duration, "0" aside.
    expect(parseDuration("5")).toBeUndefined();
    expect(parseDuration("0")).toBe(0);
    expect(parseDuration("5 s")).toBeUndefined();
    expect(blockingHoldMs(undefined, () => 0)).toBe(300_000);
    expect(blockingHoldMs("30s", () => 0)).toBe(30_000);
    expect(blockingHoldMs("30s", () => 1)).toBe(30_000 + 30_000 / 16);
    expect(blockingHoldMs("1h", () => 0)).toBe(600_000);
    expect(() => blockingHoldMs("later", () => 0)).toThrow(/Invalid wait/);
    // RPCQueryTimeout: a wait ≤ 0 holds the default — a negative one too, or a client sending it polls in a loop.
    expect(blockingHoldMs("-1s", () => 0)).toBe(300_000);
  });
});
