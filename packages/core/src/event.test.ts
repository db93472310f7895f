import { describe, expect, it } from "vitest";
import { EventSource } from "./event.js";

describe("EventSource", () => {
  it("isolates a listener that throws or rejects: later listeners run and the error is reported", async () => {
    const reported: unknown[] = [];
    const source = new EventSource<number>((error) => reported.push(error));
    const seen: number[] = [];
    source.event(() => {
      throw new Error("sync");
    });
    source.event(() => Promise.reject(new Error("async")));
    source.event((v) => seen.push(v));
    expect(() => source.emit(7)).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([7]);
    expect(reported.map((e) => (e as Error).message)).toEqual(["sync", "async"]);
  });

  it("counts subscriptions and disposes each once", () => {
    const source = new EventSource<void>(() => {});
    const listener = () => {};
    const a = source.event(listener);
    source.event(listener);
    expect(source.size).toBe(2);
    a.dispose();
    a.dispose();
    expect(source.size).toBe(1);
  });

  it("survives an error handler that throws", () => {
    const source = new EventSource<void>(() => {
      throw new Error("handler");
    });
    source.event(() => {
      throw new Error("listener");
    });
    expect(() => source.emit()).not.toThrow();
  });
});
