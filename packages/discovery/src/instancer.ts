import type { Event } from "@outrigger/core";
import type { Snapshot } from "./service-instance.js";

/** The source of one service's instances. Backends (registry, static, …) implement only this. */
export interface Instancer {
  /** The latest whole snapshot; after a backend error, the last good one. */
  current(): Snapshot;
  /** Fires with each new snapshot. */
  readonly onChange: Event<Snapshot>;
  /** Fires when the backend fails; the current snapshot keeps serving. */
  readonly onError: Event<Error>;
  /** Stops timers and sockets. */
  close(): void;
}
