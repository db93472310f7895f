import { describe, expect, it } from "vitest";
import { encodeApplications, toEurekaApplications } from "./eureka-codec.js";
import { parseRegistration } from "./instance-info.js";
import { Registry } from "./registry.js";
import { registration } from "./test-fixtures.js";

describe("encodeApplications", () => {
  it("produces exactly the JSON of the full-fetch document, and follows changes", () => {
    const registry = new Registry();
    for (const id of ["a", "b"]) registry.register(parseRegistration(registration(id, { app: "ONE" }), "ONE", 1));
    registry.register(parseRegistration(registration("c", { app: "TWO", metadata: { k: "v" } }), "TWO", 1));
    const same = () =>
      expect(encodeApplications(registry.applications(), registry.version).toString()).toBe(
        JSON.stringify(toEurekaApplications(registry.applications(), registry.version)),
      );
    same();
    registry.update("ONE", "a", (info) => ({ ...info, status: "DOWN" }));
    same();
    expect(
      JSON.parse(encodeApplications(registry.applications(), registry.version).toString()).applications.apps__hashcode,
    ).toBe("DOWN_1_UP_2_");
  });
});
