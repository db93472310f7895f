import { createHash, timingSafeEqual } from "node:crypto";
import { RegistryError } from "../errors.js";

/**
 * How long a process id stays claimed by the key that last used it, in ms after its holder's last report or the end
 * of its last watch (a watch being held keeps it claimed): three of the SDK's default 30 s watch waits' worth of
 * reconnection time, so a process restarted under the same id takes it over at most this long after the old one
 * went silent. xDS has the same bond without a timer: a proxy's status is its stream's, and ends with it.
 */
export const REPORT_CLAIM_TTL_MS = 90_000;

/** A report key: what `randomBytes(16).toString("base64url")` gives, 16–256 URL-safe characters. */
const KEY = /^[A-Za-z0-9_-]{16,256}$/;

interface Claim {
  /** sha256 of the holder's key; undefined for a claim by a report without one (an SDK from before keys). */
  readonly hash: Buffer | undefined;
  /** Registry clock ms of the holder's last report or watch end. */
  seenAt: number;
  /** The holder's watches being held now. */
  watching: number;
}

const NOTHING = () => {};

/**
 * Which key may report for each process (per service), so a holder of the read token cannot overwrite another
 * process's ACK/NACK (the dashboard's "which process runs which revision"): the first key to use a process id
 * claims it; a report under that id with another key, or none, is refused while the claim lives. Trust on first use,
 * bounded by `ttlMs`: it keeps impersonation out of a live process's record, not a name nobody holds yet. For
 * identity that is proven, put the registry behind mTLS. Bounded: past `max` claims the least recently used one not being watched goes.
 */
export class ReportClaims {
  readonly #claims = new Map<string, Claim>();
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #max: number;

  constructor(now: () => number, ttlMs: number, max: number) {
    this.#now = now;
    this.#ttlMs = ttlMs;
    this.#max = max;
  }

  /**
   * A watch of `at` carrying `key` starts: keeps its claim alive while held (call the returned function when it
   * ends), or takes the id when unclaimed or lapsed. Another key's live claim is left alone and nothing is refused:
   * a watch is answered whatever its claim's state.
   */
  watch(at: string, key: string): () => void {
    if (!KEY.test(key)) return NOTHING;
    const hash = digest(key);
    let claim = this.#claims.get(at);
    if (claim?.hash && this.#live(claim) && !timingSafeEqual(claim.hash, hash)) return NOTHING;
    if (!claim?.hash || !timingSafeEqual(claim.hash, hash)) claim = { hash, seenAt: this.#now(), watching: 0 };
    const held = claim;
    held.watching += 1;
    this.#set(at, held);
    return () => {
      held.watching -= 1;
      held.seenAt = this.#now();
    };
  }

  /**
   * Before a report under `at` is recorded: throws `REGISTRY_REPORT_CLAIMED` (409) when a live claim holds another
   * key (a keyless report cannot displace a keyed claim), else claims or refreshes the id for `key`.
   */
  claim(at: string, process: string, key: string | undefined): void {
    const claim = this.#claims.get(at);
    const hash = key === undefined ? undefined : digest(key);
    const same = claim?.hash !== undefined && hash !== undefined && timingSafeEqual(claim.hash, hash);
    if (claim?.hash && this.#live(claim) && !same) {
      throw new RegistryError(
        "REGISTRY_REPORT_CLAIMED",
        `Policy report for process "${process}" refused: another process reports under this id with another key. ` +
          `Give each process its own id (the SDK's controlPlane.processId), or wait: a claim lapses ${this.#ttlMs / 1000} s after its holder's last watch or report`,
        409,
      );
    }
    if (same && claim) {
      claim.seenAt = this.#now();
      this.#set(at, claim);
    } else {
      this.#set(at, { hash, seenAt: this.#now(), watching: 0 });
    }
  }

  #live(claim: Claim): boolean {
    return claim.watching > 0 || this.#now() - claim.seenAt < this.#ttlMs;
  }

  #set(at: string, claim: Claim): void {
    this.#claims.delete(at);
    this.#claims.set(at, claim);
    if (this.#claims.size > this.#max) this.#evict();
  }

  /**
   * Drops the least recently used claim whose holder is not watching now: a flood of reports under made-up ids must
   * not push a watching process's claim out and free its id for the flooder. All held: the oldest goes after all.
   */
  #evict(): void {
    for (const [at, claim] of this.#claims) {
      if (claim.watching === 0) {
        this.#claims.delete(at);
        return;
      }
    }
    this.#claims.delete(this.#claims.keys().next().value as string);
  }
}

/** Checks a report key's form; throws `REGISTRY_BAD_REQUEST` saying what one looks like. */
export function checkReportKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key === "string" && KEY.test(key)) return key;
  throw new RegistryError(
    "REGISTRY_BAD_REQUEST",
    "Policy report: clientKey must be 16–256 URL-safe base64 characters (A–Z, a–z, 0–9, - and _), the same on every report of a process",
  );
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
