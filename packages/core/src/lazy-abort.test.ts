import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Attempt, abortSourceOf, describeCall } from "./attempt-context.js";
import { followAbort } from "./follow-abort.js";
import { LazyAbort } from "./lazy-abort.js";

afterEach(() => vi.unstubAllGlobals());

/** Counts the AbortControllers made while `fn` runs. */
function controllersMadeBy(fn: () => void): number {
  let made = 0;
  class Counting extends AbortController {
    constructor() {
      super();
      made++;
    }
  }
  vi.stubGlobal("AbortController", Counting);
  fn();
  vi.unstubAllGlobals();
  return made;
}

describe("LazyAbort", () => {
  it("calls its followers once on abort and makes no AbortSignal unless one is read", () => {
    const calls: unknown[] = [];
    const made = controllersMadeBy(() => {
      const abort = new LazyAbort();
      followAbort(abort, () => calls.push(abort.reason));
      const stop = followAbort(abort, () => calls.push("stopped one"));
      stop();
      abort.abort("why");
      abort.abort("again");
      expect([abort.aborted, abort.reason]).toEqual([true, "why"]);
    });
    expect(made).toBe(0);
    expect(calls).toEqual(["why"]);
  });

  // As an AbortSignal runs its abort algorithms: in the order appended, once (DOM standard, "signal abort",
  // https://dom.spec.whatwg.org/#abortsignal-signal-abort).
  it("keeps one follower in a slot and later ones after it: all called once, in the order they came", () => {
    const abort = new LazyAbort();
    const calls: string[] = [];
    const stopFirst = abort.follow(() => calls.push("first"));
    abort.follow(() => calls.push("second"));
    const stopThird = abort.follow(() => calls.push("third"));
    stopFirst();
    // The slot is free but a later follower still waits: the newcomer goes after it, not before.
    abort.follow(() => calls.push("fourth"));
    stopThird();
    abort.abort("why");
    abort.abort("again");
    expect(calls).toEqual(["second", "fourth"]);
  });

  it("follows the same function twice as two followers, each stopped by its own function", () => {
    const abort = new LazyAbort();
    let calls = 0;
    const onAbort = () => calls++;
    const stopOne = abort.follow(onAbort);
    abort.follow(onAbort);
    stopOne();
    const reuse = new LazyAbort();
    const stopSlot = reuse.follow(onAbort);
    stopSlot();
    reuse.follow(onAbort);
    abort.abort("a");
    reuse.abort("b");
    expect(calls).toBe(2);
  });

  it("makes its signal on first read, aborted already or aborting with it", () => {
    const early = new LazyAbort();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.abort(new Error("late"));
    expect(signal.reason).toMatchObject({ message: "late" });
    const after = new LazyAbort();
    after.abort("done");
    expect([after.signal.aborted, after.signal.reason]).toEqual([true, "done"]);
  });

  it("follows its parent signal until released, leaving no listener on it", () => {
    const parent = new AbortController();
    const child = new LazyAbort(parent.signal);
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(1);
    child.release();
    expect(getEventListeners(parent.signal, "abort")).toHaveLength(0);
    const second = new LazyAbort(parent.signal);
    parent.abort("parent gave up");
    expect([second.aborted, second.reason]).toEqual([true, "parent gave up"]);
    expect(new LazyAbort(parent.signal).aborted).toBe(true);
  });

  it("under an Attempt: abortSourceOf hands it on, the signal and peekSignal make it from it", () => {
    const abort = new LazyAbort();
    const attempt = new Attempt(describeCall(), abort, 0);
    expect(abortSourceOf(attempt)).toBe(abort);
    const signal = attempt.peekSignal();
    expect(signal).toBe(abort.signal);
    expect(attempt.signal).toBe(signal);
    abort.abort("x");
    expect(signal?.aborted).toBe(true);
  });
});

describe("followAbort", () => {
  it("follows a signal from another realm or a polyfill (not `instanceof AbortSignal`) through its listeners", () => {
    const target = new EventTarget();
    const foreign = Object.assign(target, { aborted: false, reason: undefined }) as unknown as AbortSignal;
    const calls: string[] = [];
    followAbort(foreign, () => calls.push("aborted"));
    const attempt = new Attempt(describeCall(), foreign, 0);
    expect(attempt.signal).toBe(foreign);
    target.dispatchEvent(new Event("abort"));
    expect(calls).toEqual(["aborted"]);
  });
});
