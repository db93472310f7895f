import type { PolicyDocument, PolicyPart } from "./documents.js";
import { PolicyError } from "./policy-error.js";

/** A part of one service's policy that a file of a policy directory sets. */
export interface Claim {
  readonly service: string;
  readonly part: PolicyPart;
}

/** Two claims meet when they are for one service and one part, or one of them sets the whole policy. */
const meet = (a: Claim, b: Claim): boolean =>
  a.service === b.service && (a.part === b.part || a.part === "spec" || b.part === "spec");

/**
 * Which file of a policy directory set which part of which service's policy, so a second file for the same part is
 * refused rather than silently replacing the first on every change of either (last changed won). Argo CD reports a
 * resource that two applications manage as a `SharedResourceWarning` (argo-cd `controller/state.go`) and Istio's
 * analyzer a host that two VirtualServices route (IST0109, istio `pkg/config/analysis/analyzers/virtualservice/
 * conflictingmeshgatewayhosts.go`); here the file applied first keeps serving and the other is refused with
 * `REGISTRY_POLICY_CONFLICT`, naming both. A VirtualService and a DestinationRule of one service are separate parts,
 * as in Istio, so they may live in two files.
 */
export class FileClaims {
  readonly #byFile = new Map<string, readonly Claim[]>();

  /** Throws `REGISTRY_POLICY_CONFLICT` when `docs` of `file` set a part that another file set first. */
  check(file: string, docs: readonly PolicyDocument[]): void {
    for (const [other, held] of this.#byFile) {
      if (other === file) continue;
      for (const doc of docs) {
        const taken = held.find((claim) => meet(claim, doc));
        if (!taken) continue;
        const what = taken.part !== "spec" ? taken.part : doc.part === "spec" ? "policy" : doc.part;
        throw new PolicyError(
          "REGISTRY_POLICY_CONFLICT",
          `${file} sets the ${what} of ${doc.service}, which ${other} set first and keeps serving: keep each service's policy (or its routes, or its destination) in one file, then remove it from the other`,
          [],
          409,
        );
      }
    }
  }

  /** Records what `file` set now; true when it let go of a part another file may be waiting for. */
  set(file: string, docs: readonly PolicyDocument[]): boolean {
    const before = this.#byFile.get(file) ?? [];
    const now = docs.map(({ service, part }) => ({ service, part }));
    this.#byFile.set(file, now);
    return before.some((old) => !now.some((claim) => claim.service === old.service && claim.part === old.part));
  }

  /** Forgets the files not in `present` (removed from the directory); true when any held a part. */
  keepOnly(present: readonly string[]): boolean {
    let released = false;
    for (const [file, claims] of this.#byFile) {
      if (present.includes(file)) continue;
      this.#byFile.delete(file);
      released ||= claims.length > 0;
    }
    return released;
  }
}
