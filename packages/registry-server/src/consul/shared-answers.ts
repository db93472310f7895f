import type { Clock } from "../clock.js";

/**
 * How long an encoded answer is shared: a check's output can change an answer without moving the Consul index,
 * so sharing is also bounded in time (an answer is at most this old).
 */
export const SHARED_ANSWER_MAX_AGE_MS = 1_000;

/**
 * At most this many answers, and this many bytes of them, are kept at once: the keys come from clients (`?tag=`
 * values, service names), so a client asking for 100 000 distinct things within one index does not make the
 * registry keep 100 000 bodies. Past either bound an answer is still built and sent, just not kept.
 */
export const SHARED_ANSWER_MAX_ENTRIES = 1_024;
/** See `SHARED_ANSWER_MAX_ENTRIES`: 64 MiB. */
export const SHARED_ANSWER_MAX_BYTES = 64 * 1024 * 1024;

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
  #bytes = 0;

  /** `version` must move whenever any answer may change (e.g. `ConsulIndex.global`). */
  constructor(version: () => number, clock: Clock) {
    this.#version = version;
    this.#clock = clock;
  }

  /** Answers kept now (at most `SHARED_ANSWER_MAX_ENTRIES`). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The JSON bytes for `key`, made with `build` unless a fresh enough copy exists. Every waiter gets the same
   * Buffer (sent as is: fastify writes a Buffer without copying or re-serialising it).
   */
  get(key: string, build: () => unknown): Buffer {
    const now = this.#clock.now();
    const version = this.#version();
    if (this.#at !== version || now - this.#since >= SHARED_ANSWER_MAX_AGE_MS || now < this.#since) {
      this.#entries.clear();
      this.#bytes = 0;
      this.#at = version;
      this.#since = now;
    }
    let body = this.#entries.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(build()));
      if (this.#entries.size < SHARED_ANSWER_MAX_ENTRIES && this.#bytes + body.length <= SHARED_ANSWER_MAX_BYTES) {
        this.#entries.set(key, body);
        this.#bytes += body.length;
      }
    }
    return body;
  }
}
