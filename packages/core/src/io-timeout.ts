import { monotonicClock } from "./clock.js";
import type { Disposable } from "./event.js";

/**
 * Runs `fn` in the check phase of the event-loop turn it is called from (`setImmediate`), after that turn's I/O
 * (poll) phase: the one implementation of the rule "a timeout that races a network answer expires after the I/O".
 * Node runs due timers before it reads the sockets, so after a stall of the loop (a GC pause, a busy or
 * descheduled process) a timer callback runs before an answer that already sits in the socket buffer is read; a
 * timeout that acted there would fail that answer, abort its connection and cause a retry — more work while the
 * process is already late. Hopped here, the answer settles first, and a timeout still unanswered acts once the
 * turn's I/O is read. The hop costs one immediate and no delay: the poll phase does not block while an immediate is
 * pending. The rule of groupon/gofer#71 ("Fire IO timeouts after IO", `setIOTimeout`) and
 * sindresorhus/got#117/#525; libevent's loop (Envoy's dispatcher) gets it by ordering: `event_base_loop` activates
 * ready I/O (`evsel->dispatch`) before expired timers (`timeout_process`).
 */
export function afterIo(fn: () => void): NodeJS.Immediate {
  // Ref'd: an unref'd Immediate does not stop the poll phase from blocking (until the next I/O or timer), so `fn`
  // would run arbitrarily late (nodejs/undici#5600). It keeps the process up for this one turn only.
  return setImmediate(fn);
}

/**
 * `setTimeout` for a timeout that races network I/O: `fn` runs `delayMs` (0 to 2^31−1, checked by the caller)
 * from now; when its timer runs after it was due (on the monotonic clock: the loop was held up), after that turn's
 * I/O (`afterIo`). A timer on time — a fake clock in tests — runs `fn` at once: the poll phase ran up to the due
 * time, so nothing that arrived before it is unread. Unref'd; `dispose()` stops it, also between the timer and the
 * hop. For many timeouts of one duration, `DeadlineQueue` with `expireAfterIo` does the same with one timer in all.
 */
export function setIoTimeout(fn: () => void, delayMs: number): Disposable {
  let hop: NodeJS.Immediate | undefined;
  const run = (): void => {
    hop = undefined;
    fn();
  };
  const due = monotonicClock.now() + delayMs;
  const timer = setTimeout(() => {
    if (monotonicClock.now() > due) hop = afterIo(run);
    else fn();
  }, delayMs);
  timer.unref();
  return {
    dispose: () => {
      clearTimeout(timer);
      if (hop !== undefined) clearImmediate(hop);
      hop = undefined;
    },
  };
}
