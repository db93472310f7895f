/**
 * Finagle's and Linkerd's peak-sensitive moving average of round-trip time: a sample above the estimate replaces
 * it at once (quick to punish a latency spike), one below is blended in by elapsed time (cautious recovery), and
 * with no samples the estimate decays towards zero, so an instance that was slow gets traffic again.
 */
export class PeakEwma {
  #estimate: number;
  #stamp: number;
  #measured = false;

  constructor(
    /** Start value; Linkerd's 30 ms default keeps a new instance from looking free and drawing a burst. */
    defaultRttMs: number,
    /** Time constant of the decay (Linkerd: 10 s): how long history weighs. */
    readonly decayMs: number,
    now: number,
  ) {
    this.#estimate = defaultRttMs;
    this.#stamp = now;
  }

  /** Feeds one observed round-trip time. */
  observe(rttMs: number, now: number): void {
    if (!this.#measured) {
      // The default only stands in until the first answer; blending it in would make every instance look like
      // the default for a whole decay time and hide a 10× slower one among them.
      this.#measured = true;
      this.#estimate = rttMs;
      this.#stamp = now;
      return;
    }
    const estimate = this.value(now);
    this.#estimate = rttMs > estimate ? rttMs : estimate + (rttMs - estimate) * this.#alphaSinceStamp(now, true);
    this.#stamp = now;
  }

  /** The estimate at `now`, decayed for the time without samples. */
  value(now: number): number {
    return this.#estimate * (1 - this.#alphaSinceStamp(now, false));
  }

  #alphaSinceStamp(now: number, observing: boolean): number {
    const elapsed = Math.max(0, now - this.#stamp);
    // When observing, weigh the sample by the time it covers, with a floor so back-to-back samples still count.
    const span = observing ? Math.max(elapsed, 1) : elapsed;
    return 1 - Math.exp(-span / this.decayMs);
  }
}
