// Reproduction, not part of the suite (break-it, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/core/repro/deadline-queue-throwing-expire.repro.ts
// One entry whose expire() throws (e.g. a raw undici dispatch handler whose onError throws, reached through the lb
// dispatcher's per-try timeout) stops DeadlineQueue#expireDue half-way: the entries after it never expire, and the
// timer is not armed again until some later add() — the requests they time out hang.
import { DeadlineQueue } from "../src/deadline-queue.js";

let t = 0;
const queue = new DeadlineQueue(10, { now: () => t });
const expired: string[] = [];
const entry = (name: string, throws = false) => ({
  slot: -1,
  expire() {
    expired.push(name);
    if (throws) throw new Error(`${name}'s handler threw`);
  },
});
process.on("uncaughtException", (error) => console.log(`uncaught: ${error.message}`));
queue.add(entry("a", true));
queue.add(entry("b"));
t = 20;
setTimeout(() => {
  setTimeout(() => {
    console.log(`expired: ${expired.join(", ")}; pending: ${queue.pending} (expected: a, b; 0)`);
    process.exitCode = queue.pending === 0 ? 0 : 1;
    queue.close();
  }, 50);
}, 20);
