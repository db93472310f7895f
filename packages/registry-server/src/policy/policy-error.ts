import { redactSecrets } from "@outrigger/core";
import { RegistryError, type RegistryErrorCode } from "../errors.js";

/**
 * A refused policy write: its code, a message naming the first problems, and every problem's path in `issues`.
 * Message and issues are redacted (core's `redactSecrets`): they quote keys and values of the policy, which may hold
 * a URL with userinfo or a token, and they reach the 400, the CLI's stderr and the GitOps log line.
 */
export class PolicyError extends RegistryError {
  readonly issues: readonly string[];

  constructor(
    code: Extract<RegistryErrorCode, `REGISTRY_POLICY_${string}`>,
    message: string,
    issues: readonly string[] = [],
    statusCode = 400,
  ) {
    const safe = issues.map(redactSecrets);
    const shown = safe.slice(0, 10).join("; ");
    super(
      code,
      redactSecrets(
        safe.length > 0 ? `${message}: ${shown}${safe.length > 10 ? ` (+${safe.length - 10} more)` : ""}` : message,
      ),
      statusCode,
    );
    this.issues = safe;
  }
}
