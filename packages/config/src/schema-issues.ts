import type { SchemaIssue } from "./schema.js";

/** An issue as zod 3/4 reports it beyond `SchemaIssue`: its kind and, for a union, each branch's own issues. */
interface ZodLikeIssue extends SchemaIssue {
  readonly code?: string;
  /** zod 4's `invalid_union`: the issues of each branch; zod 3 nests them as `unionErrors[i].issues`. */
  readonly errors?: ReadonlyArray<ReadonlyArray<ZodLikeIssue>>;
  readonly unionErrors?: ReadonlyArray<{ readonly issues: ReadonlyArray<ZodLikeIssue> }>;
}

/** A schema's issues in the order a person should read them, each with its dotted path. */
export interface ExplainedIssues {
  /** `{ path, message }` of each issue, the likeliest mistake first. */
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** One line: the first issue's message, up to two more with their paths, and how many are left. */
  readonly summary: string;
}

/**
 * The branch of a failed union that matched the input's shape: every one of its issues lies below the union's own
 * path (a missing or wrong member), where the other branches failed at the union's path itself (the wrong kind).
 * zod reports such a union as a bare "Invalid input"; its matching branch says what is actually missing. Paths come
 * back relative to the union: zod 4's branch paths are, zod 3's are absolute.
 */
function matchingBranch(issue: ZodLikeIssue): ReadonlyArray<ZodLikeIssue> | undefined {
  const depth = issue.errors ? 0 : issue.path.length;
  const branches = (issue.errors ?? issue.unionErrors?.map((e) => e.issues) ?? []).map((b) =>
    b.map((i) => ({ ...i, path: i.path.slice(depth) })),
  );
  const nested = branches.filter((b) => b.length > 0 && b.every((i) => i.path.length > 0));
  if (nested.length === 0) return undefined;
  return nested.reduce((best, b) => (b.length < best.length ? b : best));
}

function flatten(
  issue: ZodLikeIssue,
  prefix: ReadonlyArray<PropertyKey>,
): Array<{ path: PropertyKey[]; issue: ZodLikeIssue }> {
  const path = [...prefix, ...issue.path];
  const branch = issue.code === "invalid_union" ? matchingBranch(issue) : undefined;
  if (!branch) return [{ path, issue }];
  return branch.flatMap((i) => flatten(i, path));
}

/**
 * Orders and words a failed parse's issues for a person: a union's bare "Invalid input" is replaced by what its
 * matching branch lacks, and an unknown key comes first — a misspelt key (`attempts` for `maxAttempts`) is the real
 * mistake, the required key it leaves missing only its consequence (zod lists the missing key first).
 */
export function explainIssues(issues: ReadonlyArray<SchemaIssue>): ExplainedIssues {
  const flat = issues.flatMap((i) => flatten(i as ZodLikeIssue, []));
  const ordered = [
    ...flat.filter((f) => f.issue.code === "unrecognized_keys"),
    ...flat.filter((f) => f.issue.code !== "unrecognized_keys"),
  ].map((f) => ({ path: f.path.map(String).join("."), message: f.issue.message }));
  const [first, ...rest] = ordered;
  const shown = rest
    .slice(0, 2)
    .map((i) => `; at "${i.path}": ${i.message}`)
    .join("");
  const left = rest.length > 2 ? ` (and ${rest.length - 2} more)` : "";
  return { issues: ordered, summary: `${first?.message ?? "invalid"}${shown}${left}` };
}
