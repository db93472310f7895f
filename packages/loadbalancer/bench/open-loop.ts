/**
 * Starts `count` calls of `send`, one every 1000/`rate` ms on a fixed schedule (open loop: a slow answer does not
 * delay the next start); `onLatency` gets each answer's latency from its *scheduled* start (ms), `onError` each
 * failure, `onSent` the index just started. Settled calls are let go in batches of 1 000, so the loop itself does
 * not hold a window's worth of promises.
 */
export async function openLoop(
  send: () => Promise<unknown>,
  rate: number,
  count: number,
  on: {
    onLatency?: (ms: number) => void;
    onError: (error: { code?: string; cause?: { code?: string } }) => void;
    onSent?: (i: number) => void;
  },
): Promise<void> {
  const gap = 1_000 / rate;
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + i * gap;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    on.onSent?.(i);
    pending.push(send().then(() => on.onLatency?.(performance.now() - due), on.onError));
    if (pending.length >= 1_000) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}
