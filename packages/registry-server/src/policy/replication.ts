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
  const record = task.policy as PolicyRecord | undefined;
  if (
    !record ||
    typeof record.service !== "string" ||
    !SERVICE_NAME.test(record.service) ||
    !Number.isSafeInteger(record.revision) ||
    !Number.isSafeInteger(record.globalRevision) ||
    !Number.isFinite(record.updatedAt)
  ) {
    return { statusCode: 400, responseEntity: { message: "A Policy task needs a policy record" } };
  }
  const policy = record.policy === null ? null : validatePolicy(record.policy);
  store.receive({
    service: record.service.toUpperCase(),
    revision: record.revision,
    globalRevision: record.globalRevision,
    policy,
    updatedAt: record.updatedAt,
    ...(Number.isSafeInteger(record.rolledBackFrom) ? { rolledBackFrom: record.rolledBackFrom } : {}),
  });
  return { statusCode: 200 };
}

/** Fetches every policy of the first peer that answers and takes the newer ones, at start (as the instance sync). */
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
      const response = await fetch(`${base}/outrigger/policy`, {
        headers: { accept: "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok) continue;
      const body = (await response.json()) as { services?: PolicyRecord[] };
      let taken = 0;
      for (const record of body.services ?? []) {
        try {
          const task: ReplicationTask = {
            action: "Policy",
            appName: String(record.service),
            id: "",
            lastDirtyTimestamp: 0,
            status: "",
            overriddenStatus: "",
            policy: record,
          };
          if (receivePolicyTask(store, task).statusCode === 200) taken += 1;
        } catch {
          // One record this version refuses (a peer of a newer version wrote it): the others are still taken.
        }
      }
      return taken;
    } catch {
      // This peer is down or answered nonsense: try the next one.
    }
  }
  return 0;
}
