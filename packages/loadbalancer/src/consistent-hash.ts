import type { ServiceInstance } from "@outrigger/discovery";
import { type Random, randomIndex } from "./random.js";
import type { Rule, RuleContext } from "./rule.js";

/** Settings of the consistent-hash rule. */
export interface ConsistentHashOptions {
  /**
   * Points per instance on the ring. 160 is ketama's choice: enough that each instance's share stays within a
   * few percent of fair, few enough that building the ring for 1 000 instances takes milliseconds.
   */
  readonly pointsPerInstance?: number;
  /** Used for requests without a key. */
  readonly random?: Random;
}

/** FNV-1a 32-bit, then murmur3's finaliser so near-identical strings ("a#1", "a#2") spread over the ring. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface Ring {
  /** The candidate list the ring was built from; the balancer hands the same list back until the set changes. */
  readonly source: readonly ServiceInstance[];
  readonly signature: string;
  readonly points: Uint32Array;
  readonly owners: readonly ServiceInstance[];
}

/**
 * Ring-hash consistent hashing by the request's key (`pick({ key })`): the same key goes to the same instance,
 * and when an instance joins or leaves only the keys it owns move (about 1/n of them). Requests without a key
 * go to a random candidate.
 */
export class ConsistentHashRule implements Rule {
  readonly #points: number;
  readonly #random: Random;
  #ring: Ring | undefined;

  constructor(options: ConsistentHashOptions = {}) {
    this.#points = options.pointsPerInstance ?? 160;
    this.#random = options.random ?? Math.random;
  }

  choose(candidates: readonly ServiceInstance[], context: RuleContext): ServiceInstance {
    if (context.key === undefined) return candidates[randomIndex(this.#random, candidates.length)] as ServiceInstance;
    const ring = this.#ringFor(candidates);
    const h = hash32(context.key);
    // First point at or after the key's hash, wrapping around.
    let lo = 0;
    let hi = ring.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((ring.points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    return ring.owners[lo === ring.points.length ? 0 : lo] as ServiceInstance;
  }

  #ringFor(candidates: readonly ServiceInstance[]): Ring {
    if (this.#ring?.source === candidates) return this.#ring;
    const signature = candidates.map((c) => c.id).join("\u0000");
    if (this.#ring?.signature === signature) {
      this.#ring = { ...this.#ring, source: candidates };
      return this.#ring;
    }
    const entries: Array<[number, ServiceInstance]> = [];
    for (const c of candidates) for (let p = 0; p < this.#points; p++) entries.push([hash32(`${c.id}#${p}`), c]);
    entries.sort((x, y) => x[0] - y[0] || (x[1].id < y[1].id ? -1 : 1));
    this.#ring = {
      source: candidates,
      signature,
      points: Uint32Array.from(entries, (e) => e[0]),
      owners: entries.map((e) => e[1]),
    };
    return this.#ring;
  }
}
