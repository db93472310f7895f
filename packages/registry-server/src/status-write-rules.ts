// What an operator's status write does to an instance, decided without touching the registry (Eureka's
// `AbstractInstanceRegistry.statusUpdate` and `deleteStatusOverride`).
import type { InstanceInfo, InstanceStatus } from "./instance-info.js";

/**
 * An operator's status write: `override` sets `value` as status and override (`PUT …/status?value=`); `delete`
 * removes the override and sets `status` (`DELETE …/status[?value=]`, UNKNOWN when no value is sent).
 */
export type StatusWrite =
  | { readonly kind: "override"; readonly value: InstanceStatus }
  | { readonly kind: "delete"; readonly status: InstanceStatus };

/**
 * The copy of `info` that `write` stores, or undefined when it changes nothing (the status is already `value`; no
 * override is stored to delete). Its dirty timestamp stays the client's, or the sender's `sent` when newer (a peer's).
 */
export function statusWriteOf(info: InstanceInfo, write: StatusWrite, sent = 0): InstanceInfo | undefined {
  const lastDirtyTimestamp = Math.max(info.lastDirtyTimestamp, sent);
  if (write.kind === "override") {
    if (info.status === write.value) return undefined;
    return { ...info, status: write.value, overriddenStatus: write.value, lastDirtyTimestamp };
  }
  if (info.overriddenStatus === "UNKNOWN") return undefined;
  return { ...info, status: write.status, overriddenStatus: "UNKNOWN", lastDirtyTimestamp };
}
