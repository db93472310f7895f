import { describe, expect, it } from "vitest";
import { parseRegistration } from "./instance-info.js";

const base = { app: "svc", hostName: "h", ipAddr: "10.0.0.1", dataCenterInfo: { name: "MyOwn" } };

describe("parseRegistration", () => {
  it.each([
    ["a number", 8080],
    ["a string", "8080"],
    ["Eureka's object with a string flag", { $: 8080, "@enabled": "true" }],
    ["an object with a boolean flag", { $: "8080", "@enabled": true }],
  ])("accepts port as %s", (_label, port) => {
    const info = parseRegistration({ instance: { ...base, port } }, "svc", 0);
    expect(info.port).toBe(8080);
    expect(info.portEnabled).toBe(true);
  });

  it("derives the id as Eureka does: instanceId, then Amazon's instance-id, then the host name", () => {
    expect(parseRegistration({ instance: { ...base, instanceId: "i-1" } }, "svc", 0).instanceId).toBe("i-1");
    const amazon = { name: "Amazon", metadata: { "instance-id": "i-aws" } };
    expect(parseRegistration({ instance: { ...base, dataCenterInfo: amazon } }, "svc", 0).instanceId).toBe("i-aws");
    // Named Amazon but of another class: not an AmazonInfo (Eureka decodes a MyDataCenterInfo), so the host name.
    const named = { ...amazon, "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo" };
    expect(parseRegistration({ instance: { ...base, dataCenterInfo: named } }, "svc", 0).instanceId).toBe("h");
    expect(parseRegistration({ instance: base }, "svc", 0).instanceId).toBe("h");
  });

  it("reads an AmazonInfo as Amazon whatever its name, as Eureka's codec does (its id comes from the metadata)", () => {
    const amazon = { "@class": "com.netflix.appinfo.AmazonInfo", name: "x", metadata: { "instance-id": "i-aws" } };
    const info = parseRegistration({ instance: { ...base, dataCenterInfo: amazon } }, "svc", 0);
    expect(info.dataCenterInfo.name).toBe("Amazon");
    expect(info.instanceId).toBe("i-aws");
    // addInstance gives an AmazonInfo without an id the instance's.
    const bare = { "@class": "com.netflix.appinfo.AmazonInfo", name: "Amazon" };
    const idless = parseRegistration({ instance: { ...base, instanceId: "i-9", dataCenterInfo: bare } }, "svc", 0);
    expect(idless.dataCenterInfo.metadata).toEqual({ "instance-id": "i-9" });
  });

  it.each(["myown", "Google", "MyOwn "])(
    "refuses the data-centre name %j, one Eureka's codec cannot decode, first",
    (name) => {
      const body = { instance: { dataCenterInfo: { name } } };
      expect(() => parseRegistration(body, "svc", 0)).toThrow(
        expect.objectContaining({
          code: "REGISTRY_INVALID_FIELD",
          message: expect.stringContaining("Netflix, Amazon or MyOwn"),
        }),
      );
    },
  );

  it("upper-cases the app name, and compares the body's with the path's so (Eureka's codec and resource both do)", () => {
    expect(parseRegistration({ instance: { ...base, app: "my-SVC" } }, "My-Svc", 0).app).toBe("MY-SVC");
  });

  it.each([
    [{ instance: { ...base, hostName: undefined } }, "Missing instanceId"],
    [{ instance: { ...base, instanceId: "i-1", hostName: undefined } }, "Missing hostname"],
    [{ instance: { ...base, ipAddr: undefined } }, "Missing ip address"],
    [{ instance: { ...base, dataCenterInfo: undefined } }, "Missing dataCenterInfo"],
    [{ instance: { ...base, app: undefined } }, "Missing appName"],
    [{ instance: { ...base, app: "" } }, "Missing appName"],
    [{ instance: { ...base, app: "other" } }, "Mismatched appName, expecting SVC but was OTHER"],
    [{ instance: { ...base, dataCenterInfo: { "@class": "x" } } }, "Missing dataCenterInfo Name"],
    [{ instance: { ...base, dataCenterInfo: { name: "" } } }, "Missing dataCenterInfo Name"],
    // Eureka's ApplicationResource.addInstance checks in this order: id, host name, IP, app, dataCenterInfo.
    [{ instance: { ipAddr: "10.0.0.1" } }, "Missing instanceId"],
    [{ instance: { instanceId: "i-1", ipAddr: "10.0.0.1" } }, "Missing hostname"],
    [{ instance: { hostName: "h", app: "other" } }, "Missing ip address"],
    [{ instance: { ...base, app: "other", dataCenterInfo: undefined } }, "Mismatched appName"],
    [{ nope: 1 }, "Missing instance"],
  ])("answers Eureka's message for a missing or mismatched field (%#)", (body, message) => {
    expect(() => parseRegistration(body, "svc", 0)).toThrow(message);
  });

  it("stores metadata keys like __proto__ as plain data", () => {
    const metadata = JSON.parse('{"__proto__": "x", "zone": "a", "@class": "java.util.Map"}');
    const info = parseRegistration({ instance: { ...base, metadata } }, "svc", 0);
    expect(Object.keys(info.metadata).sort()).toEqual(["__proto__", "zone"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
