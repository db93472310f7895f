import { redactSecrets } from "@outrigger/core";
import type { RegistryWatchInstancer } from "@outrigger/discovery";
import { OutriggerNodeError } from "../errors.js";
import type { ControlPlaneHost, PolicyApplyEvent } from "./control-plane-options.js";

/** Characters of a NACK's reason sent to the registry: what it keeps (registry-server's policy/reports.ts). */
const MAX_REPORTED_REASON = 1_024;

/**
 * Sends the registry process `processId`'s ACK or NACK of a revision it applied or refused (carried on the next watch
 * request when the registry takes it so); none for revision 0 (no central policy) or without a watch. A report the
 * registry does not take goes to `host.report` (OUTRIGGER_POLICY_REPORT_FAILED); the next revision reports again.
 */
export function reportApply(
  watch: RegistryWatchInstancer | undefined,
  processId: string,
  event: PolicyApplyEvent,
  host: Pick<ControlPlaneHost, "report">,
): void {
  if (!watch || event.revision === 0) return;
  const { revision, status, reason } = event;
  // Cut as the registry keeps it: a longer body was refused (413) and the NACK lost (envoyproxy/envoy#9785).
  // Redacted before the cut: a cut through a URL's userinfo would leave part of a password unrecognised.
  const kept = reason === undefined ? undefined : redactSecrets(reason).slice(0, MAX_REPORTED_REASON);
  watch
    .reportPolicy({ process: processId, revision, status, ...(kept === undefined ? {} : { reason: kept }) })
    .catch((error: Error) =>
      host.report(
        new OutriggerNodeError(
          "OUTRIGGER_POLICY_REPORT_FAILED",
          `The registry did not take this process's ${status} of "${event.service}" revision ${revision} (${error.message}); the next revision reports again.`,
          { cause: error },
        ),
      ),
    );
}
