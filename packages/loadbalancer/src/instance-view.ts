/**
 * What a rule or a load metric may read of one instance: load and latency, never a setter. The balancer owns the
 * state behind it (requests in flight, latency averages); the outlier detector owns ejections.
 */
export interface InstanceView {
  /** Requests sent and not yet finished. */
  readonly active: number;
  /** When the instance joined, on the balancer's clock; -Infinity for instances present at the start. */
  readonly addedAt: number;
  /** Peak-sensitive RTT estimate at `now` in ms (P2C peak-EWMA's latency term); failures count as slow. */
  peakRttMs(now: number): number;
  /** Decaying average response time in ms, or undefined before the first answer; failures count as slow. */
  averageRttMs(): number | undefined;
  /**
   * Recent failures counted as requests in flight at `now` (a whole number): each failure adds one, decaying with a
   * 3 s time constant (fasthttp LBClient's penalty). Least-request rules add it to `active`, so an instance that
   * fails at once never looks idle.
   */
  failureLoad(now: number): number;
}

/** What `balancer.stats(id)` reports: the instance's view plus what the outlier detector knows of it. */
export interface InstanceSnapshot {
  readonly active: number;
  readonly addedAt: number;
  readonly peakRttMs: number;
  readonly averageRttMs: number | undefined;
  /** Recent failures counted as requests in flight (see `InstanceView.failureLoad`). */
  readonly failureLoad: number;
  /** Failures in a row since the last success (5xx, timeouts, connection errors, resets). */
  readonly consecutiveFailures: number;
  /** How many times it was ejected (lowered again after clean intervals). */
  readonly ejections: number;
  /** True while the outlier detector keeps it out. */
  readonly ejected: boolean;
}
