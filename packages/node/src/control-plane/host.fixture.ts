// The control plane's host as og is to it, for tests that drive a ControlPlane directly: safe defaults as every
// service's local config, no instances, no wait for a first answer, and the errors it reports collected.
import { FixedInstancer } from "@outrigger/discovery";
import type { OutriggerNodeError } from "../errors.js";
import { SAFE_DEFAULTS } from "../safe-defaults.js";
import type { ControlPlaneHost } from "./control-plane.js";

/** A host whose `report` pushes into `errors`. */
export function hostFor(errors: OutriggerNodeError[]): ControlPlaneHost {
  return {
    local: () => SAFE_DEFAULTS,
    reapply: () => {},
    report: (error) => errors.push(error),
    ensure: () => {},
    instances: () => new FixedInstancer([]),
    waitMs: () => 0,
  };
}
