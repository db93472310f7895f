import { describe, expect, it } from "vitest";
import { OpenCalls, type OpenSlot } from "./open-calls.js";

const call = (name: string) => ({ name, openSlot: -1 }) as OpenSlot & { name: string };

describe("OpenCalls", () => {
  it("keeps every open call whatever order they end in, and resolves drained() with the last", async () => {
    const open = new OpenCalls<OpenSlot & { name: string }>();
    const [a, b, c, d] = ["a", "b", "c", "d"].map(call) as [ReturnType<typeof call>, ...ReturnType<typeof call>[]];
    for (const x of [a, b, c, d]) open.add(x as ReturnType<typeof call>);
    let drained = false;
    void open.drained().then(() => {
      drained = true;
    });
    open.delete(b as ReturnType<typeof call>); // from the middle: the last takes its place
    expect(
      open
        .list()
        .map((x) => x.name)
        .sort(),
    ).toEqual(["a", "c", "d"]);
    open.delete(b as ReturnType<typeof call>); // ended twice: a no-op
    open.delete(call("never added"));
    expect(open.size).toBe(3);
    open.delete(a);
    open.delete(d as ReturnType<typeof call>);
    await Promise.resolve();
    expect(drained).toBe(false);
    open.delete(c as ReturnType<typeof call>);
    await Promise.resolve();
    expect(drained).toBe(true);
    expect(open.size).toBe(0);
    await expect(open.drained()).resolves.toBeUndefined();
  });

  it("lists a copy: ending calls while going through it ends each once", () => {
    const open = new OpenCalls<OpenSlot & { name: string }>();
    const all = Array.from({ length: 50 }, (_, i) => call(String(i)));
    for (const x of all) open.add(x);
    for (const x of open.list()) open.delete(x);
    expect(open.size).toBe(0);
    expect(all.every((x) => x.openSlot === -1)).toBe(true);
  });
});
