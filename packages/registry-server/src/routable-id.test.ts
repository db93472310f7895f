import { describe, expect, it } from "vitest";
import { isRegistryError } from "./errors.js";
import { encodedIdBytes, MAX_ROUTABLE_ID_BYTES, routableId } from "./routable-id.js";

describe("routableId (an id every later URL can carry)", () => {
  it("counts bytes as the id travels in a URL path, percent-encoded", () => {
    expect(encodedIdBytes("web-1")).toBe(5);
    expect(encodedIdBytes("10.0.0.1:web:8080")).toBe("10.0.0.1%3Aweb%3A8080".length);
    expect(encodedIdBytes("é")).toBe(6);
    expect(encodedIdBytes("\ud800")).toBe(9); // a lone surrogate travels as U+FFFD (%EF%BF%BD)
    expect(encodedIdBytes("\ud83d\ude00")).toBe(12); // a pair is one character of four UTF-8 bytes
  });

  it("returns an id up to the limit and refuses a longer one with REGISTRY_ID_TOO_LONG naming the field", () => {
    const atLimit = "a".repeat(MAX_ROUTABLE_ID_BYTES);
    expect(routableId(atLimit, "ID")).toBe(atLimit);
    for (const id of [`${atLimit}a`, "é".repeat(700), "\ud800".repeat(500)]) {
      let caught: unknown;
      try {
        routableId(id, "instanceId");
      } catch (error) {
        caught = error;
      }
      expect(isRegistryError(caught)).toBe(true);
      expect(caught).toMatchObject({ code: "REGISTRY_ID_TOO_LONG", statusCode: 400 });
      expect((caught as Error).message).toMatch(/^instanceId too long for a URL: /);
      expect((caught as Error).message.length).toBeLessThan(80);
    }
  });
});
