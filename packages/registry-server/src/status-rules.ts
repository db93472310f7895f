import type { InstanceInfo, InstanceStatus } from "./instance-info.js";

/** What the status rules look at: the incoming copy, the stored one (if any) and who sent it. */
export interface StatusRuleInput {
  /** The copy being registered or renewed, its `overriddenStatus` already resolved against the stored override. */
  readonly incoming: Pick<InstanceInfo, "status" | "overriddenStatus">;
  /** The stored copy's status, when the instance is registered. */
  readonly existingStatus?: InstanceStatus;
  /**
   * True when the stored status was set by a status route on this server. Eureka's `LeaseExistsRule` keeps an
   * existing UP or OUT_OF_SERVICE whoever set it, so a client that reported OUT_OF_SERVICE itself can never come
   * back UP (Netflix/eureka#1398, closed as "clients may not report OUT_OF_SERVICE"). Here the rule keeps only a
   * status the server set, so a client that drains by registering OUT_OF_SERVICE (Outrigger's registrar before
   * it used the status override, as stock Eureka needs) is still taken at its word.
   */
  readonly existingSetByServer?: boolean;
  readonly replication: boolean;
}

/** One rule of the chain: a status when it matches, undefined to let the next rule decide. */
type StatusRule = (input: StatusRuleInput) => InstanceStatus | undefined;

/** Eureka's `DownOrStartingRule`: a client (or replica) reporting DOWN, STARTING or UNKNOWN is believed. */
const downOrStarting: StatusRule = ({ incoming }) =>
  incoming.status !== "UP" && incoming.status !== "OUT_OF_SERVICE" ? incoming.status : undefined;

/** Eureka's `OverrideExistsRule`: an operator's override wins over what the client says. */
const overrideExists: StatusRule = ({ incoming }) =>
  incoming.overriddenStatus !== "UNKNOWN" ? incoming.overriddenStatus : undefined;

/** Eureka's `LeaseExistsRule`: for a client's own write, a stored UP or OUT_OF_SERVICE set by the server stays. */
const leaseExists: StatusRule = ({ existingStatus, existingSetByServer, replication }) =>
  !replication && existingSetByServer === true && (existingStatus === "UP" || existingStatus === "OUT_OF_SERVICE")
    ? existingStatus
    : undefined;

/** Eureka's `AlwaysMatchInstanceStatusRule`: otherwise, the status sent. */
const alwaysMatch: StatusRule = ({ incoming }) => incoming.status;

/**
 * Eureka's status rule chain (`PeerAwareInstanceRegistryImpl`: `FirstMatchWinsCompositeRule(DownOrStartingRule,
 * OverrideExistsRule, LeaseExistsRule)` then `AlwaysMatchInstanceStatusRule`): the first rule that matches decides
 * the status stored on a registration or a renewal.
 */
const CHAIN: readonly StatusRule[] = [downOrStarting, overrideExists, leaseExists, alwaysMatch];

/** The status to store, decided by Eureka's first-match-wins chain (see `CHAIN`). */
export function resolveStatus(input: StatusRuleInput): InstanceStatus {
  for (const rule of CHAIN) {
    const status = rule(input);
    if (status !== undefined) return status;
  }
  return input.incoming.status;
}
