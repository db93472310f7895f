import type { Registry } from "./registry.js";
import type { RegistryChange } from "./registry-types.js";

/** One line of the dashboard's event list. */
export interface RegistryEvent {
  readonly at: number;
  readonly app: string;
  readonly instanceId: string;
  /** REGISTERED, UPDATED, CANCELLED or EVICTED, followed by the status for updates. */
  readonly what: string;
  readonly origin: string;
}

/** The dashboard shows the last 100 events: enough to see a deploy roll through, small enough to send often. */
export const EVENT_LOG_SIZE = 100;

function describe(change: RegistryChange): string {
  if (change.action === "ADDED") return `REGISTERED ${change.lease.info.status}`;
  if (change.action === "MODIFIED") return `UPDATED ${change.lease.info.status}`;
  return change.origin === "eviction" ? "EVICTED" : "CANCELLED";
}

/** Keeps the last registry events, newest first, for the dashboard. */
export class EventLog {
  readonly #events: RegistryEvent[] = [];
  readonly #stop: () => void;

  constructor(registry: Registry, size = EVENT_LOG_SIZE) {
    this.#stop = registry.onChange((change) => {
      const { info } = change.lease;
      this.#events.unshift({
        at: change.lease.lastUpdatedAt,
        app: info.app,
        instanceId: info.instanceId,
        what: describe(change),
        origin: change.origin,
      });
      if (this.#events.length > size) this.#events.length = size;
    });
  }

  /** The events, newest first. */
  list(): readonly RegistryEvent[] {
    return [...this.#events];
  }

  /** Stops listening. */
  close(): void {
    this.#stop();
  }
}
