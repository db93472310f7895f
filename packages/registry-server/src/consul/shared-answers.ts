import type { Clock } from "../clock.js";

/**
 * How long an encoded answer is shared: a check's output can change an answer without moving the Consul index,
 * so sharing is also bounded in time (an answer is at most this old).
 */
export const SHARED_ANSWER_MAX_AGE_MS = 1_000;

/**
 * Encoded answers of Consul reads, shared by every caller that asks for the same thing at the same version (the
 * Consul index of everything: registry, node checks, lease expiries) within a second: when a change wakes 5 000 blocking queries on one service, the answer is built and
 * encoded once, not 5 000 times. Who wakes when is the blocking code's business; this only shares the bytes.
 */
export class SharedAnswers {
  readonly #version: () => number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Buffer>();
  #at = -1;
  #since = 0;

  /** `version` must move whenever any answer may change (e.g. `ConsulIndex.global`). */
  constructor(version: () => number, clock: Clock) {
    this.#version = version;
    this.#clock = clock;
  }

  /** The JSON bytes for `key`, made with `build` unless a fresh enough copy exists. */
  get(key: string, build: () => unknown): Buffer {
    const now = this.#clock.now();
    const version = this.#version();
    if (this.#at !== version || now - this.#since >= SHARED_ANSWER_MAX_AGE_MS || now < this.#since) {
      this.#entries.clear();
      this.#at = version;
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
