import type { ServiceInstance } from "./service-instance.js";

/** Merges two instance lists by id; `winner`'s entries replace `base`'s. */
function merge(base: readonly ServiceInstance[], winner: readonly ServiceInstance[]): ServiceInstance[] {
  const byId = new Map(base.map((i) => [i.id, i]));
  for (const instance of winner) byId.set(instance.id, instance);
  return [...byId.values()];
}

/**
 * What an instancer publishes around a registry restart. A restarted registry (its index went backwards) is empty
 * until every instance's registrar is back, which takes up to one heartbeat; for `graceMs` the instances it held
 * before the restart are kept beside the ones that are back, so callers never see the fleet shrink to the first
 * few that re-registered. Then the registry's word stands and `publish` gets its latest answer. 0 turns it off.
 */
export class RestartGrace {
  readonly #graceMs: number;
  readonly #publish: (instances: readonly ServiceInstance[]) => void;
  /** The registry's own last answer, before the grace is applied. */
  #latest: readonly ServiceInstance[] = [];
  /** While the grace runs: what the registry held before it restarted, and the timer that ends the grace. */
  #grace: { previous: readonly ServiceInstance[]; timer: NodeJS.Timeout } | undefined;

  constructor(graceMs: number, publish: (instances: readonly ServiceInstance[]) => void) {
    this.#graceMs = graceMs;
    this.#publish = publish;
  }

  /** The registry restarted: keep what it held before (its last answer) for the grace. Call before `apply`. */
  restarted(): void {
    if (this.#graceMs <= 0 || this.#grace) return;
    const timer = setTimeout(() => {
      this.#grace = undefined;
      this.#publish(this.#latest); // grace over: the registry's word stands, stale instances go
    }, this.#graceMs);
    timer.unref();
    this.#grace = { previous: this.#latest, timer };
  }

  /** What to publish for the registry's latest answer: with the pre-restart instances while the grace runs. */
  apply(instances: readonly ServiceInstance[]): readonly ServiceInstance[] {
    this.#latest = instances;
    return this.#grace ? merge(this.#grace.previous, instances) : instances;
  }

  /** Stops the grace timer. */
  close(): void {
    clearTimeout(this.#grace?.timer);
  }
}
