import type { Registry } from "../registry.js";
import { PolicyReports } from "./reports.js";
import { PolicyStore, type PolicyStoreOptions } from "./store.js";

/** The registry's control plane: the policy store and the processes' ACK/NACK reports. */
export interface PolicyService {
  readonly store: PolicyStore;
  readonly reports: PolicyReports;
  /** Stops waking watchers. */
  close(): void;
}

/**
 * Builds the control plane of `registry`. Each policy change raises the index of its service's application, so a
 * watch of that application (`/outrigger/watch/apps/{APP}`) wakes and answers with the new policy, and a client
 * holding the old index is answered at once: policy and instances share one index and one answer stream.
 */
export function createPolicyService(registry: Registry, options: PolicyStoreOptions = {}): PolicyService {
  const store = new PolicyStore({ clock: registry.clock, ...options });
  const reports = new PolicyReports(registry.clock);
  const stop = store.onChange(({ record }) => registry.mergeIndex(registry.version + 1, [record.service]));
  return { store, reports, close: stop };
}
