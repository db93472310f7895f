import { randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32Combine, crc32Shift } from "./crc32-combine.js";

describe("crc32Combine", () => {
  it("gives the CRC-32 of the joined bytes, for empty, short and long pieces", () => {
    for (const [a, b] of [
      [0, 0],
      [0, 5],
      [7, 0],
      [1, 1],
      [100, 33_000],
      [70_000, 1_234_567],
    ] as const) {
      const first = randomBytes(a);
      const second = randomBytes(b);
      expect(crc32Combine(crc32(first), crc32(second), crc32Shift(b))).toBe(crc32(Buffer.concat([first, second])));
    }
  });
});
