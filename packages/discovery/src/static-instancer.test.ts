import { describe, expect, it } from "vitest";
import { isDiscoveryError } from "./errors.js";
import type { Snapshot } from "./service-instance.js";
import { StaticInstancer } from "./static-instancer.js";

describe("StaticInstancer (instances from config)", () => {
  it("reads host:port strings and objects, and publishes UP ones", () => {
    const instancer = new StaticInstancer("orders", [
      "10.0.0.1:8080",
      "[::1]:8081",
      { host: "10.0.0.2", port: "8080", zone: "eu-1b", weight: 2, metadata: { tags: "blue" } },
      { host: "10.0.0.3", port: 8080, status: "OUT_OF_SERVICE" },
    ]);
    expect(instancer.current().instances).toEqual([
      {
        id: "10.0.0.1:8080",
        service: "orders",
        host: "10.0.0.1",
        port: 8080,
        secure: false,
        status: "UP",
        metadata: {},
      },
      {
        id: "10.0.0.2:8080",
        service: "orders",
        host: "10.0.0.2",
        port: 8080,
        secure: false,
        status: "UP",
        zone: "eu-1b",
        weight: 2,
        metadata: { tags: "blue" },
      },
      { id: "::1:8081", service: "orders", host: "::1", port: 8081, secure: false, status: "UP", metadata: {} },
    ]);
  });

  it("takes a reloaded list whole, and refuses a bad one whole, keeping the previous list", () => {
    const instancer = new StaticInstancer("orders", ["10.0.0.1:8080"]);
    const seen: Snapshot[] = [];
    const errors: Error[] = [];
    instancer.onChange((s) => seen.push(s));
    instancer.onError((e) => errors.push(e));
    instancer.set(["10.0.0.1:8080", "10.0.0.2:8080"]);
    expect(seen).toHaveLength(1);
    expect(() => instancer.set(["10.0.0.9:8080", { host: "10.0.0.3", port: 70_000 }])).toThrow(
      /Static instance #1 of "orders" has port "70000"/,
    );
    expect(() => instancer.set("10.0.0.1:8080")).toThrow(/must be a list/);
    expect(() => new StaticInstancer("orders", [":8080"])).toThrow(/has no host/);
    expect(errors.every(isDiscoveryError)).toBe(true);
    expect(errors).toHaveLength(2);
    expect(instancer.current().instances.map((i) => i.id)).toEqual(["10.0.0.1:8080", "10.0.0.2:8080"]);
  });
});

describe("StaticInstancer entries that carry secrets", () => {
  it("refuses a host with URL userinfo, without echoing the credentials", () => {
    for (const entry of ["user:s3cretpw@10.0.0.1:80", { host: "user:s3cretpw@10.0.0.1", port: 80 }]) {
      let message = "";
      try {
        new StaticInstancer("orders", [entry]).close();
      } catch (error) {
        expect((error as { code?: string }).code).toBe("DISCOVERY_INVALID_OPTION");
        message = (error as Error).message;
      }
      expect(message).toContain("credentials");
      expect(message).not.toContain("s3cretpw");
    }
  });
});

describe("StaticInstancer priority levels", () => {
  it("carries a backup's priority, and refuses one that is not a whole number ≥ 0, naming the entry", () => {
    const instancer = new StaticInstancer("orders", [
      "10.0.0.1:8080",
      { host: "10.0.0.2", port: 8080, priority: 1 },
      { host: "10.0.0.3", port: 8080, priority: 0 },
    ]);
    expect(instancer.current().instances.map((i) => [i.host, i.priority])).toEqual([
      ["10.0.0.1", undefined],
      ["10.0.0.2", 1],
      ["10.0.0.3", undefined],
    ]);
    for (const priority of [-1, 1.5, "1"]) {
      expect(() => instancer.set(["10.0.0.1:8080", { host: "10.0.0.2", port: 8080, priority }])).toThrow(
        expect.objectContaining({ code: "DISCOVERY_INVALID_OPTION", message: expect.stringContaining("#1") }),
      );
    }
    expect(instancer.current().instances).toHaveLength(3);
    instancer.close();
  });
});
