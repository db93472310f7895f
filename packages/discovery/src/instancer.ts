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
  /**
   * The backend's last failure when it has not answered since (unreachable, refusing); undefined once it answers —
   * whether or not the answer changed the snapshot — and before any failure. Lets a caller tell "the registry has no
   * such service" from "the registry did not answer". Optional: instancers made before it may lack it.
   */
  failure?(): Error | undefined;
  /** Stops timers and sockets. */
  close(): void;
}
