import type { ReplicationResult, ReplicationTask } from "../replication/task.js";
import { SERVICE_NAME } from "./service-name.js";
import type { PolicyRecord, PolicyStore } from "./store.js";
import { validatePolicy } from "./validate.js";

/**
 * Applies a peer's `Policy` replication task: the record is validated again (a peer of another version may accept
 * what this one does not) and taken when newer than ours (see `PolicyStore.receive`). 200 when taken or already
 * current, 400 with the reason when invalid, 404 when this registry serves no policies.
 */
export function receivePolicyTask(store: PolicyStore | undefined, task: ReplicationTask): ReplicationResult {
  if (!store) return { statusCode: 404 };
  const record = checkedRecord(task.policy);
  if (!record) return { statusCode: 400, responseEntity: { message: "A Policy task needs a policy record" } };
  store.receive(record);
  return { statusCode: 200 };
}

/** A peer's policy record, its policy validated again (throws when refused); undefined when it is not a record. */
function checkedRecord(value: unknown): PolicyRecord | undefined {
  const record = value as PolicyRecord | undefined;
  if (
    !record ||
    typeof record.service !== "string" ||
    !SERVICE_NAME.test(record.service) ||
    !Number.isSafeInteger(record.revision) ||
    !Number.isSafeInteger(record.globalRevision) ||
    !Number.isFinite(record.updatedAt)
  ) {
    return undefined;
  }
  return {
    service: record.service.toUpperCase(),
    revision: record.revision,
    globalRevision: record.globalRevision,
    policy: record.policy === null ? null : validatePolicy(record.policy),
    updatedAt: record.updatedAt,
    ...(Number.isSafeInteger(record.rolledBackFrom) ? { rolledBackFrom: record.rolledBackFrom } : {}),
  };
}

/** Services whose history is fetched at once from the peer at start. */
const HISTORY_FETCHES = 4;

/**
 * Copies the older revisions of `services` from the peer at `base` (`GET …/services/{S}/history`), so a peer
 * restarted alone can still roll back to revisions written before its restart: policies live in memory, and the
 * current records alone left it with one revision per service (rollback answered 404). A service whose history
 * cannot be fetched keeps what it has; each request gives up after `timeoutMs`.
 */
async function syncHistories(
  store: PolicyStore,
  base: string,
  headers: Record<string, string>,
  services: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const queue = [...services];
  const worker = async (): Promise<void> => {
    for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
      try {
        const response = await fetch(`${base}/outrigger/policy/services/${encodeURIComponent(service)}/history`, {
          headers,
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (!response.ok) continue;
        const { revisions } = (await response.json()) as { revisions?: unknown[] };
        for (const value of Array.isArray(revisions) ? revisions : []) {
          try {
            const record = checkedRecord(value);
            if (record) store.remember(record);
          } catch {
            // A revision this version refuses stays out of the history; the others are kept.
          }
        }
      } catch {
        // Down or too slow: this service's older revisions stay unknown here, the rest go on.
      }
    }
  };
  await Promise.all(Array.from({ length: HISTORY_FETCHES }, worker));
}

/**
 * Fetches every policy of the first peer that answers and takes the newer ones, then that peer's history of each
 * (see `syncHistories`), at start (as the instance sync).
 */
export async function syncPoliciesFromPeers(
  store: PolicyStore,
  peers: readonly string[],
  token: string | undefined,
  timeoutMs = 3_000,
): Promise<number> {
  for (const peer of peers) {
    try {
      // A peer is named by its Eureka URL (`…/eureka` or `…/eureka/v2`); the policy API sits beside it.
      const base = peer.replace(/\/+$/, "").replace(/\/eureka(?:\/v2)?$/, "");
      const headers = { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) };
      const response = await fetch(`${base}/outrigger/policy`, { headers, signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) continue;
      const body = (await response.json()) as { services?: PolicyRecord[] };
      let taken = 0;
      for (const value of body.services ?? []) {
        try {
          const record = checkedRecord(value);
          if (!record) continue;
          store.receive(record);
          taken += 1;
        } catch {
          // One record this version refuses (a peer of a newer version wrote it): the others are still taken.
        }
      }
      const services = (body.services ?? []).map((record) => String(record.service));
      await syncHistories(store, base, headers, services, timeoutMs);
      return taken;
    } catch {
      // This peer is down or answered nonsense: try the next one.
    }
  }
  return 0;
}
