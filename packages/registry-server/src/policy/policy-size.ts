import { PolicyError } from "./policy-error.js";

/**
 * The one size limit of a policy text, wherever it comes from: a REST write (`POST /outrigger/policy/apply`, `PUT
 * /outrigger/policy/services/{S}`), the CLI's `apply`/`diff -f FILE` (checked before sending) and a `--policy-dir`
 * file. 1 MiB is what a Kubernetes ConfigMap holds at most (its data is capped at 1 MiB), so a policy directory
 * mounted from one never meets it; a fleet's policies are kilobytes. The registry's `--body-limit` (64 KiB) stays
 * the limit of every other route.
 */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** The refusal of a policy text over `MAX_POLICY_BYTES`: 413 `REGISTRY_POLICY_LIMIT`, one message everywhere. */
export function policyTooLarge(): PolicyError {
  return new PolicyError(
    "REGISTRY_POLICY_LIMIT",
    `The policy is larger than 1 MiB (${MAX_POLICY_BYTES} bytes): split it into several files or applies; nothing was applied`,
    [],
    413,
  );
}
