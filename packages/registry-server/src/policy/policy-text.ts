import { PolicyError } from "./policy-error.js";

/**
 * The text of a policy file or body: UTF-8, as YAML 1.2 and JSON are, a leading byte-order mark dropped. A byte
 * sequence that is not UTF-8 (a Latin-1 file) is refused with `REGISTRY_POLICY_INVALID`: decoding it leniently
 * stored U+FFFD in place of each such character, silently changing a header value or a path to match.
 */
export function decodePolicyText(bytes: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new PolicyError(
      "REGISTRY_POLICY_INVALID",
      "The policy is not UTF-8 text: save it as UTF-8; nothing was applied",
    );
  }
}
