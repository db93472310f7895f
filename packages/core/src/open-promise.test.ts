import { describe, expect, it } from "vitest";
import { openPromise, type Settles } from "./open-promise.js";

const holder = <T>(): Settles<T> => ({ resolve: () => undefined, reject: () => undefined });

describe("openPromise", () => {
  it("settles through the holder's resolve, once", async () => {
    const h = holder<number>();
    const promise = openPromise(h);
    h.resolve(1);
    h.reject(new Error("late"));
    await expect(promise).resolves.toBe(1);
  });

  it("rejects through the holder's reject", async () => {
    const h = holder<number>();
    const promise = openPromise(h);
    h.reject(new Error("no"));
    await expect(promise).rejects.toThrow("no");
  });

  it("gives each holder its own promise's functions, however they interleave", async () => {
    const [a, b] = [holder<string>(), holder<string>()];
    const pa = openPromise(a);
    const pb = openPromise(b);
    b.resolve("b");
    a.resolve("a");
    expect(await Promise.all([pa, pb])).toEqual(["a", "b"]);
  });
});
