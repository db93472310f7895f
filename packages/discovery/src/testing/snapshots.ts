import type { Event } from "@outrigger/core";
import type { Instancer } from "../instancer.js";
import type { Snapshot } from "../service-instance.js";

/** Resolves with the first snapshot `instancer` publishes that satisfies `test` (or the current one, if it does). */
export function snapshotWhere(instancer: Instancer, test: (s: Snapshot) => boolean): Promise<Snapshot> {
  if (test(instancer.current())) return Promise.resolve(instancer.current());
  return new Promise((resolve) => {
    const sub = instancer.onChange((s) => {
      if (!test(s)) return;
      sub.dispose();
      resolve(s);
    });
  });
}

/** Resolves with the next value `event` fires. */
export function next<T>(event: Event<T>): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((value) => {
      sub.dispose();
      resolve(value);
    });
  });
}

/** A snapshot's instance ids, sorted, for comparing sets. */
export const ids = (s: Snapshot): string[] => s.instances.map((i) => i.id).sort();
