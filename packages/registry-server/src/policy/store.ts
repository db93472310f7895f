import { isDeepStrictEqual } from "node:util";
import { EventSource } from "@outrigger/core";
import { type Clock, systemClock } from "../clock.js";
import { PolicyError } from "./policy-error.js";
import type { ServicePolicy } from "./schema.js";

/** One revision of a service's policy. */
export interface PolicyRecord {
  readonly service: string;
  /** Per service: 1, 2, 3, … never reused, also across a delete and a rollback. */
  readonly revision: number;
  /** The store's revision when this one was written: one never-decreasing number over every service. */
  readonly globalRevision: number;
  /** The policy, or null once deleted (a delete is a revision too, so watchers learn of it). */
  readonly policy: ServicePolicy | null;
  /** Wall-clock ms when the revision was written, on the node that wrote it. */
  readonly updatedAt: number;
  /** For a rollback: the revision whose content this one restores. */
  readonly rolledBackFrom?: number;
}

/** A change of a service's policy; `origin` is `replication` when a peer wrote it (it is not sent back). */
export interface PolicyChange {
  readonly record: PolicyRecord;
  readonly origin: "local" | "replication";
}

/** Settings of the policy store. */
export interface PolicyStoreOptions {
  /** Revisions kept per service, the current included (default 50); older ones cannot be rolled back to. */
  readonly historyLimit?: number;
  /** Most services with a policy (default 10 000); a write for one more is refused with `REGISTRY_POLICY_LIMIT`. */
  readonly maxServices?: number;
  readonly clock?: Clock;
}

/** 50 revisions: weeks of daily changes to roll back to, at a few KiB each. */
export const DEFAULT_POLICY_HISTORY = 50;
export const DEFAULT_MAX_POLICY_SERVICES = 10_000;

/**
 * Traffic policies by service (upper-cased, as Eureka's application names), with a monotonic revision per service
 * and over the store, a bounded history and rollback. In memory, as the registry's instances: a restarted peer
 * copies the cluster's policies and their histories at start (see `syncPoliciesFromPeers`).
 */
export class PolicyStore {
  readonly #history = new Map<string, PolicyRecord[]>();
  readonly #changes = new EventSource<PolicyChange>();
  readonly #limit: number;
  readonly #maxServices: number;
  readonly #clock: Clock;
  #revision = 0;

  constructor(options: PolicyStoreOptions = {}) {
    this.#limit = Math.max(1, options.historyLimit ?? DEFAULT_POLICY_HISTORY);
    this.#maxServices = options.maxServices ?? DEFAULT_MAX_POLICY_SERVICES;
    this.#clock = options.clock ?? systemClock;
  }

  /** The store's revision: the highest global revision written or received. */
  get revision(): number {
    return this.#revision;
  }

  /** The current record of a service (its policy null when deleted), or undefined when it never had one. */
  get(service: string): PolicyRecord | undefined {
    return this.#history.get(service.toUpperCase())?.at(-1);
  }

  /** The kept revisions of a service, oldest first. */
  history(service: string): readonly PolicyRecord[] {
    return this.#history.get(service.toUpperCase()) ?? [];
  }

  /** The current record of every service, deleted ones included. */
  list(): PolicyRecord[] {
    return [...this.#history.values()].map((records) => records.at(-1) as PolicyRecord);
  }

  /** Writes a (validated) policy; an unchanged policy writes nothing and returns the current record. */
  put(
    service: string,
    policy: ServicePolicy | null,
    rolledBackFrom?: number,
  ): { record: PolicyRecord; changed: boolean } {
    const name = service.toUpperCase();
    const current = this.get(name);
    if (current && isDeepStrictEqual(current.policy, policy)) return { record: current, changed: false };
    if (!current && policy === null) throw notFound(name);
    this.assertRoom([name]);
    this.#revision += 1;
    const record: PolicyRecord = {
      service: name,
      revision: (current?.revision ?? 0) + 1,
      globalRevision: this.#revision,
      policy,
      updatedAt: this.#clock.now(),
      ...(rolledBackFrom === undefined ? {} : { rolledBackFrom }),
    };
    this.#append(record);
    this.#changes.emit({ record, origin: "local" });
    return { record, changed: true };
  }

  /** Throws `REGISTRY_POLICY_LIMIT` unless `services` more services may get a policy; an apply checks before writing. */
  assertRoom(services: readonly string[]): void {
    const fresh = services.filter((s) => !this.#history.has(s.toUpperCase())).length;
    if (fresh > 0 && this.#history.size + fresh > this.#maxServices) {
      throw new PolicyError(
        "REGISTRY_POLICY_LIMIT",
        `At most ${this.#maxServices} services may have a policy`,
        [],
        409,
      );
    }
  }

  /** A new revision whose content is that of `revision` (which must still be in the history). */
  rollback(service: string, revision: number): { record: PolicyRecord; changed: boolean } {
    const old = this.history(service).find((r) => r.revision === revision);
    if (!old) {
      const kept = this.history(service).map((r) => r.revision);
      throw new PolicyError(
        "REGISTRY_POLICY_NOT_FOUND",
        `${service.toUpperCase()} has no revision ${revision}${kept.length ? ` (kept: ${kept[0]}–${kept.at(-1)})` : ""}`,
        [],
        404,
      );
    }
    return this.put(service, old.policy, revision);
  }

  /**
   * Takes a peer's record when it is newer than ours: a higher revision, or the same revision written later (ties
   * on time broken by content, so every peer picks the same one). Returns whether it was taken. When the peer's
   * record wins over ours at the same revision with other content (both took an apply before replication met), its
   * content is written here as the next revision, sent on to the peers: one revision number names one content in
   * the cluster. Else our watchers had seen revision N twice with two contents, and an SDK, which skips a revision
   * it already runs (as an xDS client skips a known `version_info`), kept the losing one while ACKing "N".
   */
  receive(record: PolicyRecord): boolean {
    const current = this.get(record.service);
    this.#revision = Math.max(this.#revision, record.globalRevision);
    if (current && !newer(record, current)) return false;
    if (!current && this.#history.size >= this.#maxServices) return false;
    if (current && current.revision === record.revision && !isDeepStrictEqual(current.policy, record.policy)) {
      this.#revision += 1;
      const next: PolicyRecord = {
        ...record,
        revision: record.revision + 1,
        globalRevision: this.#revision,
        updatedAt: this.#clock.now(),
      };
      this.#append(next);
      this.#changes.emit({ record: next, origin: "local" });
      return true;
    }
    this.#append(record);
    this.#changes.emit({ record, origin: "replication" });
    return true;
  }

  /**
   * Keeps an older revision of a service from a peer's history (at start: see `syncPoliciesFromPeers`), so a peer
   * restarted alone can roll back to revisions written before its restart. Taken only below the current revision
   * and when not kept yet; nothing is emitted, as the current policy does not change. Returns whether it was taken.
   */
  remember(record: PolicyRecord): boolean {
    const current = this.get(record.service);
    if (!current || record.revision >= current.revision) return false;
    if (this.history(record.service).some((r) => r.revision === record.revision)) return false;
    this.#append(record);
    return true;
  }

  /** Calls `listener` on every change; returns a function that stops it. */
  onChange(listener: (change: PolicyChange) => void): () => void {
    const subscription = this.#changes.event(listener);
    return () => subscription.dispose();
  }

  #append(record: PolicyRecord): void {
    const list = (this.#history.get(record.service) ?? []).filter((r) => r.revision !== record.revision);
    list.push(record);
    list.sort((a, b) => a.revision - b.revision);
    if (list.length > this.#limit) list.splice(0, list.length - this.#limit);
    this.#history.set(record.service, list);
  }
}

function newer(a: PolicyRecord, b: PolicyRecord): boolean {
  if (a.revision !== b.revision) return a.revision > b.revision;
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt;
  return JSON.stringify(a.policy) > JSON.stringify(b.policy);
}

/** A 404 for a service without a policy. */
export function notFound(service: string): PolicyError {
  return new PolicyError("REGISTRY_POLICY_NOT_FOUND", `${service} has no policy: apply one first`, [], 404);
}
