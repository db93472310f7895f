import { describe, expect, it } from "vitest";
import { checkNumber, checkOptionalNumber } from "./option.js";

const fail = (message: string) => new RangeError(message);

describe("checkNumber", () => {
  it("passes values inside the rule", () => {
    expect(checkNumber("n", 3, { min: 1, max: 5, integer: true }, fail)).toBe(3);
    expect(checkOptionalNumber("n", undefined, {}, fail)).toBeUndefined();
  });

  it.each([
    [-1, "got -1"],
    [Number.NaN, "got NaN"],
    [Number.POSITIVE_INFINITY, "got Infinity"],
    ["5", 'got "5"'],
  ])("refuses %s with a message naming option, rule and value", (value, text) => {
    expect(() => checkNumber("timeoutMs", value, {}, fail)).toThrow(`timeoutMs must be a finite number ≥ 0, ${text}`);
  });

  it("names a range and integer rule", () => {
    expect(() => checkNumber("ratio", 2, { max: 1 }, fail)).toThrow("between 0 and 1");
    expect(() => checkNumber("count", 1.5, { integer: true }, fail)).toThrow("finite integer");
  });
});
