import { overlappingRepetitions } from "./regex-ambiguity.js";

/** Longest pattern accepted: Envoy bounds RE2 programs (`max_program_size`, 100 by default); 256 characters of source keeps ours small too. */
export const MAX_REGEX_LENGTH = 256;

/**
 * Why a route's regex is refused, or undefined when it is safe. Istio and Envoy match with RE2, which has no
 * backtracking; JavaScript's engine backtracks, so the patterns RE2 refuses (backreferences, lookaround) are refused
 * here too, and so is the shape that makes a backtracking engine exponential: a quantifier on a group that itself
 * holds a quantifier or an alternation (star height above one, as `(a+)+` or `(a|aa)*`), and the shape that makes it
 * polynomial: two unbounded repetitions over the same characters with nothing forcing a split (`.*.*x`; see
 * regex-ambiguity.ts). A longer pattern than `MAX_REGEX_LENGTH` and one that does not compile are refused as well;
 * the reason never quotes the pattern (it may hold a token: the reason travels in 400s, NACKs and logs).
 */
export function unsafeRegexReason(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    new RegExp(pattern, "u");
  } catch (error) {
    // V8's message quotes the whole pattern (`Invalid regular expression: /…/u: Invalid group`): keep the reason.
    return `does not compile: ${/: ([^:]*)$/.exec((error as Error).message)?.[1] ?? "invalid syntax"}`;
  }
  if (/\\[1-9]|\\k</.test(pattern)) return "uses a backreference (RE2 has none)";
  if (/\(\?<?[=!]/.test(pattern)) return "uses a lookaround (RE2 has none)";
  return nestedQuantifier(pattern) ?? overlappingRepetitions(pattern);
}

const QUANTIFIER = /^(?:[*+?]|\{\d+(?:,\d*)?\})/;

/**
 * Whether the quantifier at the start of `rest` repeats what it follows (`*`, `+`, `{2}`, `{1,3}`, `{0,}`): `?`,
 * `{0,1}` and `{1}` take it at most once, so an optional group holding a quantifier (Istio's documented cookie regex
 * `^(.*?;)?(user=jason)(;.*)?$`) has star height one, as RE2 and safe-regex count it; regex-ambiguity.ts then checks
 * the repetitions inside it against what follows.
 */
function repeats(rest: string): boolean {
  const match = /^(?:([*+?])|\{(\d+)(,(\d*))?\})/.exec(rest);
  if (!match) return false;
  const [, sign, low, comma, high] = match;
  if (sign) return sign !== "?";
  if (comma === undefined) return Number(low) > 1;
  return high === "" || Number(high) > 1;
}

/** Walks the pattern keeping, per open group, whether it holds a quantifier or an alternation. */
function nestedQuantifier(pattern: string): string | undefined {
  const stack: boolean[] = [];
  let risky = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === "\\") {
      i += 1;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "(") {
      stack.push(risky);
      risky = false;
      // A group's own `?:` or `?<name>` is syntax, not a quantifier.
      if (pattern[i + 1] === "?") i = pattern[i + 2] === "<" ? pattern.indexOf(">", i) : i + 2;
    } else if (c === ")") {
      const inner = risky;
      risky = stack.pop() ?? false;
      if (inner && repeats(pattern.slice(i + 1))) {
        return "quantifies a group that holds a quantifier or an alternation (catastrophic backtracking)";
      }
      if (inner) risky = true;
    } else if (c === "|") risky = true;
    else if (QUANTIFIER.test(pattern.slice(i)) && i > 0) risky = true;
  }
  return undefined;
}
