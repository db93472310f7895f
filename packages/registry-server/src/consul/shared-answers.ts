import type { Clock } from "../clock.js";
import type { Registry } from "../registry.js";

/**
 * How long an encoded answer is shared: a check's output or a Eureka lease's end can change an answer without
 * moving the registry's version, so sharing is also bounded in time (an answer is at most this old).
 */
export const SHARED_ANSWER_MAX_AGE_MS = 1_000;

/**
 * Encoded answers of Consul reads, shared by every caller that asks for the same thing at the same registry
 * version within a second: when a change wakes 5 000 blocking queries on one service, the answer is built and
 * encoded once, not 5 000 times. Who wakes when is the blocking code's business; this only shares the bytes.
 */
export class SharedAnswers {
  readonly #registry: Registry;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Buffer>();
  #version = -1;
  #since = 0;

  constructor(registry: Registry, clock: Clock) {
    this.#registry = registry;
    this.#clock = clock;
  }

  /** The JSON bytes for `key`, made with `build` unless a fresh enough copy exists. */
  get(key: string, build: () => unknown): Buffer {
    const now = this.#clock.now();
    if (
      this.#version !== this.#registry.version ||
      now - this.#since >= SHARED_ANSWER_MAX_AGE_MS ||
      now < this.#since
    ) {
      this.#entries.clear();
      this.#version = this.#registry.version;
      this.#since = now;
    }
    let body = this.#entries.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(build()));
      this.#entries.set(key, body);
    }
    return body;
  }
}
