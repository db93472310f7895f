import { describe, expect, it } from "vitest";
import { abortable } from "./abortable.js";

describe("abortable", () => {
  it("settles as the promise does while the signal stays quiet, and removes its listener", async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    }) as typeof signal.addEventListener;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    }) as typeof signal.removeEventListener;
    await expect(abortable(Promise.resolve(7), signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error("inner")), signal)).rejects.toThrow("inner");
    expect([added, removed]).toEqual([2, 2]);
  });

  it("rejects with the signal's reason when it aborts first, leaving the shared promise to the others", async () => {
    const controller = new AbortController();
    let open: (value: string) => void = () => {};
    const shared = new Promise<string>((resolve) => {
      open = resolve;
    });
    const mine = abortable(shared, controller.signal);
    controller.abort(new Error("caller gave up"));
    await expect(mine).rejects.toThrow("caller gave up");
    open("answer");
    await expect(shared).resolves.toBe("answer");
  });

  it("an already aborted signal rejects at once; no signal returns the promise itself", async () => {
    const promise = Promise.resolve(1);
    expect(abortable(promise, undefined)).toBe(promise);
    await expect(abortable(promise, AbortSignal.abort(new Error("before")))).rejects.toThrow("before");
  });
});
