/**
 * One request as an upstream saw it: when it arrived and when it was answered (epoch ms, sub-ms: `epochMs()`, one
 * clock for every bench process), the status it got, and the requests in flight at its arrival (itself counted).
 */
export type TracedRequest = readonly [arrivedAt: number, answeredAt: number, status: number, inFlight: number];

/**
 * At most this many requests per upstream process are kept (a failure run sends ~3 200 to each at 450/s); past it
 * the trace says `truncated` instead of growing.
 */
export const MAX_TRACED = 100_000;

/** Records an upstream's requests when the bench runs with `--trace-upstreams` (`UPSTREAM_TRACE=1`); else nothing. */
export class RequestTrace {
  #requests: TracedRequest[] = [];
  #truncated = false;

  constructor(readonly enabled: boolean) {}

  record(request: TracedRequest): void {
    if (!this.enabled) return;
    if (this.#requests.length >= MAX_TRACED) this.#truncated = true;
    else this.#requests.push(request);
  }

  /** The requests recorded so far, in answer order, and whether some were left out; starts a new trace. */
  take(): { requests: TracedRequest[]; truncated: boolean } {
    const taken = { requests: this.#requests, truncated: this.#truncated };
    this.#requests = [];
    this.#truncated = false;
    return taken;
  }
}
