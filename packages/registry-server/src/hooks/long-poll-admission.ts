import { createHash } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { RegistryError } from "../errors.js";
import { presentedCredential } from "./credentials.js";

/**
 * Held requests one client may have open at once: Consul's `limits.http_max_conns_per_client` default
 * (hashicorp/consul `agent/config/default.go`: `http_max_conns_per_client = 200`, enforced per client address by
 * hashicorp/go-connlimit). Consul caps a client's connections; here the cap is on what a connection costs the
 * most, held long polls, so a client's ordinary requests are never refused by it.
 */
export const DEFAULT_MAX_LONG_POLLS_PER_CLIENT = 200;
/**
 * Held requests open at once in all: 8 000, below the 10 000-connection cap (`DEFAULT_MAX_CONNECTIONS`), so long
 * polls can never take every connection and heartbeats always find room.
 */
export const DEFAULT_MAX_LONG_POLLS = 8_000;
/** Seconds a refused client is told to wait (`Retry-After`): about one held request's worth of churn elsewhere. */
export const LONG_POLL_RETRY_AFTER_SECONDS = 5;

/** The caps; 0 turns one off. */
export interface LongPollLimits {
  readonly maxLongPolls: number;
  readonly maxLongPollsPerClient: number;
}

/**
 * Counts held long polls (Consul blocking queries, Outrigger watches, dashboard streams) per client and in all,
 * and refuses one past a cap. A client is its remote address together with the token it presents (hashed, never
 * kept as sent): clients behind one proxy address are told apart by their tokens, and clients sharing one fleet
 * token by their addresses.
 */
export class LongPollAdmission {
  readonly #limits: LongPollLimits;
  readonly #perClient = new Map<string, number>();
  #held = 0;

  constructor(limits: LongPollLimits) {
    this.#limits = limits;
  }

  /** Held requests now open. */
  get held(): number {
    return this.#held;
  }

  /** Admits one held request from `client`: a function that releases it (call it once), or undefined past a cap. */
  admit(client: string): (() => void) | undefined {
    const { maxLongPolls, maxLongPollsPerClient } = this.#limits;
    const mine = this.#perClient.get(client) ?? 0;
    if (maxLongPolls > 0 && this.#held >= maxLongPolls) return undefined;
    if (maxLongPollsPerClient > 0 && mine >= maxLongPollsPerClient) return undefined;
    this.#held += 1;
    this.#perClient.set(client, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held -= 1;
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left <= 0) this.#perClient.delete(client);
      else this.#perClient.set(client, left);
    };
  }
}

/** Who a request comes from, for the per-client cap: its address, plus a digest of its token when it sends one. */
export function clientOf(request: FastifyRequest): string {
  const credential = presentedCredential(request);
  if (credential === undefined) return request.ip;
  return `${request.ip} ${createHash("sha256").update(credential.token).digest("base64url").slice(0, 16)}`;
}

const admissionKey = Symbol.for("outrigger.registry.longPollAdmission");

/** Gives `app` its long-poll caps (see `admitLongPoll`); the count lives as long as the app. */
export function longPollAdmissionHook(app: FastifyInstance, limits: LongPollLimits): LongPollAdmission {
  const admission = new LongPollAdmission(limits);
  (app as unknown as Record<symbol, LongPollAdmission>)[admissionKey] = admission;
  return admission;
}

/**
 * Counts `request` as a held long poll until its answer is done or its client leaves; throws a 429
 * `REGISTRY_TOO_MANY_LONG_POLLS` with `Retry-After` past the per-client or the total cap. A route calls it before
 * it starts holding. Without `longPollAdmissionHook` on the app (a plugin used alone) everything is admitted.
 */
export function admitLongPoll(request: FastifyRequest, reply: FastifyReply): void {
  const admission = (request.server as unknown as Record<symbol, LongPollAdmission | undefined>)[admissionKey];
  if (!admission) return;
  const release = admission.admit(clientOf(request));
  if (!release) {
    reply.header("retry-after", String(LONG_POLL_RETRY_AFTER_SECONDS));
    throw new RegistryError(
      "REGISTRY_TOO_MANY_LONG_POLLS",
      "Too many held requests from this client: retry after Retry-After",
      429,
    );
  }
  // `close` fires once the answer is sent or the connection is gone, whichever comes first.
  reply.raw.once("close", release);
}
