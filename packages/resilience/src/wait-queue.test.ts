import { describe, expect, it } from "vitest";
import { WaitQueue } from "./wait-queue.js";

describe("WaitQueue", () => {
  it("hands entries out oldest first, and undefined when empty", () => {
    const queue = new WaitQueue<number>();
    for (const n of [1, 2, 3]) queue.push(n);
    expect([queue.take(), queue.take()]).toEqual([1, 2]);
    queue.push(4);
    expect(queue.size).toBe(2);
    expect([queue.take(), queue.take(), queue.take()]).toEqual([3, 4, undefined]);
    expect(queue.size).toBe(0);
  });

  it("removes an entry wherever it waits, keeping the others' order", () => {
    const queue = new WaitQueue<string>();
    for (const s of ["a", "b", "c", "d"]) queue.push(s);
    expect(queue.take()).toBe("a");
    expect(queue.remove("c")).toBe(true);
    expect(queue.remove("a")).toBe(false); // already taken
    expect(queue.remove("x")).toBe(false);
    expect([queue.take(), queue.take(), queue.take()]).toEqual(["b", "d", undefined]);
  });

  it("keeps FIFO order across compactions while it never drains", () => {
    const queue = new WaitQueue<number>();
    let next = 0;
    let expected = 0;
    for (let i = 0; i < 64; i++) queue.push(next++);
    // 5 000 takes with the queue 64 deep the whole time: the head passes the compaction point several times.
    for (let i = 0; i < 5_000; i++) {
      expect(queue.take()).toBe(expected++);
      queue.push(next++);
    }
    expect(queue.size).toBe(64);
  });
});
