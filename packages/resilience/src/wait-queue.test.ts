import { describe, expect, it } from "vitest";
import { WaitQueue } from "./wait-queue.js";

interface Entry {
  readonly name: string | number;
  queued: boolean;
}
const entry = (name: string | number): Entry => ({ name, queued: false });
const names = (items: (Entry | undefined)[]) => items.map((e) => e?.name);

describe("WaitQueue", () => {
  it("hands entries out oldest first, and undefined when empty", () => {
    const queue = new WaitQueue<Entry>();
    for (const n of [1, 2, 3]) queue.push(entry(n));
    expect(names([queue.take(), queue.take()])).toEqual([1, 2]);
    queue.push(entry(4));
    expect(queue.size).toBe(2);
    expect(names([queue.take(), queue.take(), queue.take()])).toEqual([3, 4, undefined]);
    expect(queue.size).toBe(0);
  });

  it("removes an entry wherever it waits, keeping the others' order", () => {
    const queue = new WaitQueue<Entry>();
    const [a, b, c, d] = ["a", "b", "c", "d"].map(entry) as [Entry, Entry, Entry, Entry];
    for (const e of [a, b, c, d]) queue.push(e);
    expect(queue.take()).toBe(a);
    expect(queue.remove(c)).toBe(true);
    expect(queue.remove(c)).toBe(false); // already removed
    expect(queue.remove(a)).toBe(false); // already taken
    expect(queue.remove(entry("x"))).toBe(false); // never pushed
    expect(queue.size).toBe(2);
    expect(names([queue.take(), queue.take(), queue.take()])).toEqual(["b", "d", undefined]);
  });

  it("keeps FIFO order across compactions while it never drains", () => {
    const queue = new WaitQueue<Entry>();
    let next = 0;
    let expected = 0;
    for (let i = 0; i < 64; i++) queue.push(entry(next++));
    // 5 000 takes with the queue 64 deep the whole time: the head passes the compaction point several times.
    for (let i = 0; i < 5_000; i++) {
      expect(queue.take()?.name).toBe(expected++);
      queue.push(entry(next++));
    }
    expect(queue.size).toBe(64);
  });

  it("keeps order and counts through mass removals that compact the marked entries away", () => {
    // 10 000 waiting; every entry but each 7th leaves, newest first (the bulkhead's worst case before: O(n²)).
    const queue = new WaitQueue<Entry>();
    const all = Array.from({ length: 10_000 }, (_, i) => entry(i));
    for (const e of all) queue.push(e);
    for (let i = all.length - 1; i >= 0; i--) if (i % 7 !== 0) expect(queue.remove(all[i] as Entry)).toBe(true);
    expect(queue.size).toBe(Math.ceil(10_000 / 7));
    queue.push(entry("late"));
    const out: (string | number)[] = [];
    for (let e = queue.take(); e; e = queue.take()) out.push(e.name);
    expect(out).toEqual([...all.filter((_, i) => i % 7 === 0).map((e) => e.name), "late"]);
    expect(queue.size).toBe(0);
  });

  it("is empty once every entry has left, and takes the next one pushed", () => {
    const queue = new WaitQueue<Entry>();
    const all = Array.from({ length: 2_000 }, (_, i) => entry(i));
    for (const e of all) queue.push(e);
    for (const e of all) queue.remove(e);
    expect(queue.size).toBe(0);
    expect(queue.take()).toBeUndefined();
    const next = entry("next");
    queue.push(next);
    expect(queue.take()).toBe(next);
  });
});
