/** What a numeric option must be. Non-finite values (NaN, ±Infinity) are always refused. */
export interface NumberRule {
  /** Smallest allowed value (inclusive); default 0, since durations, counts and ratios are never negative. */
  readonly min?: number;
  /** Largest allowed value (inclusive); default none. */
  readonly max?: number;
  /** Whole numbers only. */
  readonly integer?: boolean;
}

/**
 * Checks one numeric option. Returns `value`, or throws what `fail` builds from a message that names the option,
 * the rule and the value received (`fail` makes the package's `*_INVALID_OPTION` error):
 * `checkNumber("perTryTimeoutMs", v, { min: 1 }, (m) => new LbError("LB_INVALID_OPTION", m))`.
 */
export function checkNumber(name: string, value: unknown, rule: NumberRule, fail: (message: string) => Error): number {
  const min = rule.min ?? 0;
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    value >= min &&
    (rule.max === undefined || value <= rule.max) &&
    (!rule.integer || Number.isInteger(value));
  if (ok) return value;
  const range = rule.max === undefined ? `≥ ${min}` : `between ${min} and ${rule.max}`;
  throw fail(`${name} must be a finite ${rule.integer ? "integer" : "number"} ${range}, got ${describe(value)}`);
}

/** The same check for an option that may be left out: `undefined` passes through. */
export function checkOptionalNumber(
  name: string,
  value: unknown,
  rule: NumberRule,
  fail: (message: string) => Error,
): number | undefined {
  return value === undefined ? undefined : checkNumber(name, value, rule, fail);
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value === "number" ? String(value) : typeof value;
}
