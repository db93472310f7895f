import type { Instancer } from "@outrigger/discovery";
import type { ClientPolicy } from "@outrigger/policy";
import type { OutriggerNodeError } from "../errors.js";
import type { ResolvedPolicy } from "../safe-defaults.js";

/** Options of the control-plane client (`createOutrigger`'s `controlPlane`). */
export interface ControlPlaneOptions {
  /** Apply the registry's traffic policies (default true); false keeps local config only. */
  readonly enabled?: boolean;
  /**
   * Code overrides per service (the name as in `lb://name/`): keys set here win over the central policy — the only
   * way local settings beat it (see the README's precedence table).
   */
  readonly overrides?: Readonly<Record<string, ClientPolicy>>;
  /**
   * A directory for each service's last applied revision (`SERVICE.policy.json`) and, beside it, its instance
   * snapshot (`SERVICE.instances.json`): at start both are applied before the registry answers, so a process that
   * starts while the registry is down serves with the policy and instances it ran last.
   */
  readonly stateDir?: string;
  /**
   * How long after a revision is applied (and ACKed) it is saved in `stateDir` at least, ms (default 1 000; 0 to
   * 60 000); each save adds a random stagger below it (so at most twice it), as Consul staggers its agents' periodic
   * sync, so a fleet that applies a revision at the same instant does not write it in the same millisecond. The
   * revisions of a burst are saved once, the newest of each service; `og.close()` saves the pending ones at once. A
   * crash within the wait loses only what the registry sends again.
   */
  readonly saveDelayMs?: number;
  /** Seeds the draws of weighted splits, faults and mirroring (reproducible tests); default `Math.random`. */
  readonly seed?: number;
  /**
   * The name reports give this process (default `<service>@<host>:<pid>`, `#2`, `#3`… appended for a second, third
   * client of the same service in one process). The registry lets one client report under a name at a time (its
   * watch carries a random key made at start): give each its own.
   */
  readonly processId?: string;
  /** Mirrored copies in flight at most (default 32); more are dropped, never queued. */
  readonly maxMirrorsInFlight?: number;
}

/** What the control plane did with a revision: applied (and ACKed) or refused (NACKed, previous one kept). */
export interface PolicyApplyEvent {
  readonly service: string;
  readonly revision: number;
  readonly status: "ACK" | "NACK";
  readonly reason?: string;
  /** Where the revision came from: the registry's watch, or the state file at start. */
  readonly source: "registry" | "file";
}

/** What the control plane reads of `og`. */
export interface ControlPlaneHost {
  /** The service's policy from local config (safe defaults, `clients.defaults`, `clients.services.X`). */
  local(service: string): ResolvedPolicy;
  /** Re-applies `service`'s layered policy to its balancer and pipeline (after its revision changed). */
  reapply(service: string): void;
  /** Errors worth an operator's eye (og.onError). */
  report(error: OutriggerNodeError): void;
  /** Makes the service's parts (and so its watch) if they are not made yet. */
  ensure(service: string): void;
  /** The service's instances (a stable instancer): subsets with a balancer of their own pick among them. */
  instances(service: string): Instancer;
  /** How long a first call waits for the service's first watch answer (`clients.waitForInstancesMs`). */
  waitMs(): number;
}
