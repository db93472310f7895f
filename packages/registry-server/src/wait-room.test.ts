import { EventSource } from "@outrigger/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WAKE_BATCH, WaitRoom } from "./wait-room.js";

/** A change feed that counts its subscribers. */
function feed() {
  const source = new EventSource<void>();
  return {
    onChange: (listener: () => void) => {
      const subscription = source.event(listener);
      return () => subscription.dispose();
    },
    emit: () => source.emit(undefined),
    get listeners() {
      return source.size;
    },
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("WaitRoom: held requests grouped by what they wait for", () => {
  afterEach(() => vi.useRealTimers());

  it("subscribes once for 1 000 waiters, checks each group once per change, and lets go of the feed when empty", async () => {
    const changes = feed();
    const room = new WaitRoom(changes);
    let index = 1;
    const holds = vi.fn(() => index === 1);
    const done = Array.from({ length: 1_000 }, () => room.wait("web 1", holds, 60_000, new AbortController().signal));
    expect(changes.listeners).toBe(1);
    holds.mockClear();
    changes.emit(); // a change elsewhere: still holding
    expect(holds).toHaveBeenCalledTimes(1);
    index = 2;
    changes.emit();
    expect(holds).toHaveBeenCalledTimes(2);
    await Promise.all(done);
    expect(room.size).toBe(0);
    expect(changes.listeners).toBe(0);
  });

  it("wakes a crowd in batches of WAKE_BATCH, giving the event loop back between batches", async () => {
    const changes = feed();
    const room = new WaitRoom(changes);
    let moved = false;
    let answered = 0;
    const count = WAKE_BATCH * 3 + 10;
    for (let i = 0; i < count; i += 1) {
      void room.wait("web 1", () => !moved, 60_000, new AbortController().signal).then(() => (answered += 1));
    }
    moved = true;
    changes.emit();
    await Promise.resolve();
    expect(answered).toBe(WAKE_BATCH);
    const seen: number[] = [];
    while (answered < count) {
      await turn();
      seen.push(answered);
    }
    expect(seen).toEqual([WAKE_BATCH * 2, WAKE_BATCH * 3, count]);
  });

  it("answers a waiter when its hold ends or its client leaves, and takes its listener off the signal", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    const changes = feed();
    const room = new WaitRoom(changes);
    const left = new AbortController();
    let timedOut = false;
    let gone = false;
    void room.wait("a 1", () => true, 1_000, new AbortController().signal).then(() => (timedOut = true));
    void room.wait("a 1", () => true, 60_000, left.signal).then(() => (gone = true));
    await vi.advanceTimersByTimeAsync(999);
    expect([timedOut, gone]).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect([timedOut, gone]).toEqual([true, false]);
    left.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(gone).toBe(true);
    expect([room.size, changes.listeners, vi.getTimerCount()]).toEqual([0, 0, 0]);
  });

  it("close() answers every waiter, woken or not", async () => {
    const changes = feed();
    const room = new WaitRoom(changes, { batch: 1 });
    let moved = false;
    const waits = [1, 2, 3].map(() => room.wait("x 1", () => !moved, 60_000, new AbortController().signal));
    const other = room.wait("y 1", () => true, 60_000, new AbortController().signal);
    moved = true;
    changes.emit(); // one released now, two queued
    room.close();
    await Promise.all([...waits, other]);
    expect([room.size, changes.listeners]).toEqual([0, 0]);
  });
});
