import { RegistryError, type RegistryErrorCode } from "../errors.js";

/** A refused policy write: its code, a message naming the first problems, and every problem's path in `issues`. */
export class PolicyError extends RegistryError {
  constructor(
    code: Extract<RegistryErrorCode, `REGISTRY_POLICY_${string}`>,
    message: string,
    readonly issues: readonly string[] = [],
    statusCode = 400,
  ) {
    const shown = issues.slice(0, 10).join("; ");
    super(
      code,
      issues.length > 0 ? `${message}: ${shown}${issues.length > 10 ? ` (+${issues.length - 10} more)` : ""}` : message,
      statusCode,
    );
  }
}
