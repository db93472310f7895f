/**
 * Polynomial backtracking: two unbounded repetitions that can take the same characters with nothing mandatory
 * between them that the first cannot take (`.*.*x`, `a.*b.*c`, `\d+1\d+`). A backtracking engine tries every
 * split of the text between them — n² steps for two, n^k for k — so a 21-character pattern held an SDK process for
 * minutes on a 100-character path. RE2 (Envoy's engine) matches in linear time whatever the pattern; JavaScript's
 * does not, so these patterns are refused. safe-regex.ts refuses the exponential shapes (a repeated group holding
 * a quantifier or an alternation) before this check runs, so a repeated group here holds single characters only; a
 * group taken at most once (`(…)`, `(…)?`) is checked piece by piece, as if its pieces stood in the pattern.
 *
 * No library fits this rule. `safe-regex`/`safe-regex2` count star height only (they pass `.*.*x`); `recheck` and
 * `redos-detector` judge every input, line terminators included, so they refuse `.*session=.*` and Istio's cookie
 * regex, which are linear on what a route matches: a path or header value never holds a line terminator (RFC 9110
 * §5.5; Node's parser refuses CR and LF), so a last `.*` always takes the rest and the match ends there.
 */

/** Characters a piece of pattern is tested against: ASCII, and non-ASCII letters, spaces and an astral symbol. */
const SAMPLE = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  "é",
  "ß",
  "Ω",
  "中",
  "\u00a0",
  "\u2028",
  "😀",
];

/** A repetition this much wider than its minimum (`{1,36}`) splits text as freely as an unbounded one. */
const WIDE_REPEAT = 16;

interface Atom {
  readonly kind: "atom";
  /** Which SAMPLE characters it takes. */
  readonly chars: readonly boolean[];
  readonly min: number;
  readonly unbounded: boolean;
}

interface Group {
  readonly kind: "group";
  readonly branches: Item[][];
  min: number;
  /** Most times the group is taken: 1 unquantified or `?`, Infinity for `*`. */
  max: number;
  unbounded: boolean;
}

type Item = Atom | Group;

interface Quantifier {
  readonly length: number;
  readonly min: number;
  readonly max: number;
  readonly unbounded: boolean;
}

function quantifierAt(pattern: string, i: number): Quantifier {
  const match = /^(?:([*+?])|\{(\d+)(,(\d*))?\})\??/.exec(pattern.slice(i));
  if (!match) return { length: 0, min: 1, max: 1, unbounded: false };
  const [all, sign, low, comma, high] = match;
  if (sign) {
    const max = sign === "?" ? 1 : Number.POSITIVE_INFINITY;
    return { length: all.length, min: sign === "+" ? 1 : 0, max, unbounded: sign !== "?" };
  }
  const min = Number(low);
  const max = comma === undefined ? min : high ? Number(high) : Number.POSITIVE_INFINITY;
  return { length: all.length, min, max, unbounded: max - min >= WIDE_REPEAT };
}

/** The SAMPLE characters one atom (`.`, `\d`, `[^/]`, `a`) takes. */
function charsOf(atom: string): boolean[] {
  try {
    const regex = new RegExp(`^(?:${atom})$`, "u");
    return SAMPLE.map((c) => regex.test(c));
  } catch {
    return SAMPLE.map(() => true);
  }
}

/** Where the atom starting at `i` ends (exclusive): a class, an escape, or one character. */
function atomEnd(pattern: string, i: number): number {
  if (pattern[i] === "[") {
    for (let j = i + 1; j < pattern.length; j += 1) {
      if (pattern[j] === "\\") j += 1;
      else if (pattern[j] === "]") return j + 1;
    }
    return pattern.length;
  }
  if (pattern[i] === "\\") {
    const escaped = /^\\(?:[pPu]\{[^}]*\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|c[A-Za-z]|.)/su.exec(pattern.slice(i));
    return i + (escaped?.[0].length ?? 2);
  }
  return i + ((pattern.codePointAt(i) ?? 0) > 0xffff ? 2 : 1);
}

const newGroup = (): Group => ({ kind: "group", branches: [[]], min: 1, max: 1, unbounded: false });

/** A group taken at most once (`(…)`, `(?:…)?`): its pieces are checked in place, the group being skippable when optional. */
const once = (item: Item): item is Group => item.kind === "group" && item.max <= 1;

/** The pattern as a tree of groups, branches and atoms. */
function parse(pattern: string): Group {
  const root = newGroup();
  const stack: Group[] = [root];
  for (let i = 0; i < pattern.length; ) {
    const group = stack[stack.length - 1] as Group;
    const branch = group.branches[group.branches.length - 1] as Item[];
    const c = pattern[i];
    if (c === "(") {
      const inner = newGroup();
      branch.push(inner);
      stack.push(inner);
      // `(?:` and `(?<name>` are syntax; lookarounds were refused before.
      i += pattern[i + 1] !== "?" ? 1 : pattern[i + 2] === "<" ? pattern.indexOf(">", i) + 1 - i : 3;
    } else if (c === "|") {
      group.branches.push([]);
      i += 1;
    } else if (c === ")") {
      if (stack.length > 1) stack.pop();
      const q = quantifierAt(pattern, i + 1);
      group.min = q.min;
      group.max = q.max;
      group.unbounded = q.unbounded;
      i += 1 + q.length;
    } else if (c === "^" || c === "$" || (c === "\\" && (pattern[i + 1] === "b" || pattern[i + 1] === "B"))) {
      i += c === "\\" ? 2 : 1;
    } else {
      const end = atomEnd(pattern, i);
      const q = quantifierAt(pattern, end);
      branch.push({ kind: "atom", chars: charsOf(pattern.slice(i, end)), min: q.min, unbounded: q.unbounded });
      i = end + q.length;
    }
  }
  return root;
}

function charsOfItem(item: Item): readonly boolean[] {
  if (item.kind === "atom") return item.chars;
  const inner = item.branches.flat().map(charsOfItem);
  return SAMPLE.map((_, k) => inner.some((chars) => chars[k]));
}

const overlaps = (a: readonly boolean[], b: readonly boolean[]): boolean => a.some((taken, k) => taken && b[k]);

/** Following a repetition taking `chars`: another one over the same characters (refuse), its end forced (stop), or neither yet (through). */
type Scan = "refuse" | "stop" | "through";

/** Characters a request path or header value can hold: every SAMPLE character but line terminators. */
const TEXT = SAMPLE.map((c) => !/[\n\r\u2028\u2029]/.test(c));

/**
 * The pattern's last piece when it is a repetition that takes any text (`….*` or `….*$`): greedy, it takes the rest
 * of a path or header value and the end then matches, so the pieces before it never backtrack into it. The same
 * holds for such a repetition ending a last group taken at most once (`(;.*)?$`, Istio's cookie regex): reached,
 * the group takes the rest and the match ends; not entered, the end is tested once.
 */
function tailOf(items: readonly Item[] | undefined): Item | undefined {
  const last = items?.[items.length - 1];
  if (last && once(last)) return last.branches.length === 1 ? tailOf(last.branches[0]) : undefined;
  if (!last?.unbounded) return undefined;
  const chars = charsOfItem(last);
  return TEXT.every((text, k) => !text || chars[k]) ? last : undefined;
}

function scan(chars: readonly boolean[], items: readonly Item[], from: number, tail: Item | undefined): Scan {
  for (const item of items.slice(from)) {
    let result: Scan;
    if (once(item)) {
      const branches = item.branches.map((branch) => scan(chars, branch, 0, tail));
      // An optional group (`(;x)?`) may be skipped: what stops the run inside it does not stop it for sure.
      const stops = item.min > 0 && branches.every((b) => b === "stop");
      result = branches.includes("refuse") ? "refuse" : stops ? "stop" : "through";
    } else if (overlaps(chars, charsOfItem(item))) {
      result = item.unbounded && item !== tail ? "refuse" : "through";
    } else {
      // A character the repetition cannot take must come next: its run ends there, whatever the text.
      result = item.min === 0 ? "through" : "stop";
    }
    if (result !== "through") return result;
  }
  return "through";
}

interface Frame {
  readonly items: readonly Item[];
  readonly from: number;
}

function check(items: readonly Item[], after: readonly Frame[], tail: Item | undefined): boolean {
  for (const [i, item] of items.entries()) {
    const rest = [{ items, from: i + 1 }, ...after];
    if (item.unbounded) {
      const chars = charsOfItem(item);
      for (const frame of rest) {
        const result = scan(chars, frame.items, frame.from, tail);
        if (result === "refuse") return true;
        if (result === "stop") break;
      }
    }
    if (once(item) && item.branches.some((b) => check(b, rest, tail))) return true;
  }
  return false;
}

/** Why `pattern` backtracks polynomially, or undefined when the end of every unbounded repetition is forced. */
export function overlappingRepetitions(pattern: string): string | undefined {
  const root = parse(pattern);
  return check([root], [], tailOf(root.branches.length === 1 ? root.branches[0] : undefined))
    ? "repeats without bound twice over the same characters (polynomial backtracking): bound one, e.g. [^/]* for .*"
    : undefined;
}
