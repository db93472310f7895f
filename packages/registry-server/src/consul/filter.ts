import { RE2JS } from "re2js";
import { badRequest, quoted } from "./consul-error.js";
import { firstValue } from "./go-bool.js";

/** A compiled `?filter=` expression: true when a record matches. */
export type Predicate = (record: Readonly<Record<string, unknown>>) => boolean;

/** Filter expressions are capped so a request cannot make the parser work unboundedly. */
const MAX_FILTER_CHARS = 512;

/** go-bexpr's string literals: double-quoted with escapes, or back-quoted raw. */
const STRING = /"(?:[^"\\]|\\.)*"|`[^`]*`/.source;
/** A bare word (a selector or a value), its selector optionally indexed: `Service.Meta["pod-name"]`. */
const WORD = `[A-Za-z0-9_.\\-:/]+(?:\\[\\s*(?:${STRING})\\s*\\][A-Za-z0-9_.\\-:/]*)*`;
const TOKEN = new RegExp(`\\s*(\\(|\\)|==|!=|${STRING}|${WORD})`, "y");
/** One step of a selector: `.Name` (or the first name) or `["key"]` (go-bexpr's IndexExpression). */
const STEP = new RegExp(`(?:^|\\.)([A-Za-z0-9_\\-:/]+)|\\[\\s*(${STRING})\\s*\\]`, "y");

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw badRequest(`Failed to create boolean expression evaluator: bad filter at ${at}`.slice(0, 79));
    tokens.push(match[1] as string);
    at = TOKEN.lastIndex;
  }
  return tokens;
}

/** A literal's text. An escape JSON does not know (`"\\1"`, Go's `\\x41`) is a 400, never a thrown SyntaxError. */
function unquote(token: string): string {
  if (token.startsWith("`")) return token.slice(1, -1);
  if (!token.startsWith('"')) return token;
  try {
    return JSON.parse(token) as string;
  } catch {
    throw badRequest("Failed to parse filter: bad escape in a string literal", ESCAPE_DETAIL);
  }
}

const ESCAPE_DETAIL = 'Write a backslash as \\\\ ("\\\\d+"), or quote the value with backticks (`\\d+`).';

/**
 * A selector's path: dotted names and `["key"]` indexes, the way to a map key with `-` or `.` in it
 * (`Service.Meta["management.port"]`; go-bexpr grammar.peg `Selector`, hashicorp/consul#17992).
 */
function pathOf(selector: string): readonly string[] {
  const parts: string[] = [];
  STEP.lastIndex = 0;
  while (STEP.lastIndex < selector.length) {
    const at = STEP.lastIndex;
    const step = STEP.exec(selector);
    if (!step || (at === 0 && step[1] === undefined))
      throw badRequest(`Invalid selector ${quoted(selector)}`.slice(0, 79));
    parts.push(step[1] ?? unquote(step[2] as string));
  }
  return parts;
}

function select(record: Readonly<Record<string, unknown>>, parts: readonly string[]): unknown {
  // Every record of one listing has the same top-level fields, so a first name the record lacks is a selector
  // this endpoint does not have (`ServiceTags` on /v1/health/service, whose entries have `Service.Tags`): Consul
  // refuses it (prometheus/prometheus#18499) rather than matching nothing.
  if (!Object.hasOwn(record, parts[0] as string)) {
    throw badRequest(`Selector ${quoted(parts[0] as string)} is not valid`, SELECTOR_DETAIL);
  }
  let value: unknown = record;
  for (const part of parts) {
    // A step into a list (`Checks.Status` of a health entry) has no one value: refused, never read as "absent".
    if (Array.isArray(value)) {
      throw badRequest(`filter selector ${quoted(parts.join("."))} steps into a list`, LIST_DETAIL);
    }
    if (typeof value !== "object" || value === null) return undefined;
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

const SELECTOR_DETAIL =
  "Selectors name the fields of the records this endpoint answers: Service.Tags on /v1/health/service, ServiceTags on /v1/catalog.";

const LIST_DETAIL =
  'A selector may end at a list (Service.Tags contains "v") but not step into one (Checks.Status); use ?passing for check states.';

/**
 * `Sel matches "re"`: Go's regexp (RE2) syntax and search, as go-bexpr's `doMatchMatches`, run by re2js so a hostile
 * pattern matches in linear time. A field that is not a string (a list, a number) is refused, as go-bexpr's
 * validation refuses it; a missing map key does not match.
 */
function matcher(pattern: string): (value: unknown) => boolean {
  let re: ReturnType<typeof RE2JS.compile>;
  try {
    re = RE2JS.compile(pattern);
  } catch {
    throw badRequest(`Failed to compile regular expression ${JSON.stringify(pattern).slice(0, 40)}`);
  }
  return (value) => {
    if (value === undefined || value === null) return false;
    if (typeof value !== "string") throw badRequest("matches needs a string field", MATCHES_DETAIL);
    return re.test(value);
  };
}

const MATCHES_DETAIL = 'Use matches on a string (ServiceName, Service.Meta["k"]); for a list, "v" in Service.Tags.';

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value as object).length === 0;
  return false;
}

function contains(value: unknown, wanted: string): boolean {
  if (typeof value === "string") return value.includes(wanted);
  if (Array.isArray(value)) return value.map(String).includes(wanted);
  if (typeof value === "object" && value !== null) return wanted in value;
  return false;
}

/**
 * Compiles the part of Consul's filter language (github.com/hashicorp/go-bexpr) that agent listings need:
 * `Sel == "v"`, `!=`, `Sel contains "v"`, `"v" in Sel`, `not in`, `not contains`, `Sel matches "re"`,
 * `not matches` (Go's RE2 syntax), `Sel is empty`, `is not empty`, combined with `and`, `or`, `not` and
 * parentheses. Selectors are field names, dotted or indexed for maps (`Meta.team`, `Meta["pod-name"]`). Anything
 * else is a 400, as Consul answers a filter it cannot parse.
 */
export function compileFilter(text: string): Predicate {
  if (text.length > MAX_FILTER_CHARS) throw badRequest("filter expression too long");
  const tokens = tokenize(text);
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw badRequest("Failed to parse filter: unexpected end");
    return token;
  };
  const fail = (token: string | undefined): never => {
    throw badRequest(`Failed to parse filter near ${JSON.stringify(token ?? "end").slice(0, 40)}`);
  };

  const comparison = (): Predicate => {
    const first = take();
    if (first === "(") {
      const inner = or();
      if (take() !== ")") fail(tokens[at - 1]);
      return inner;
    }
    if (first === "not") {
      const inner = comparison();
      return (r) => !inner(r);
    }
    const op = take();
    if (op === "in" || (op === "not" && peek() === "in")) {
      if (op === "not") take();
      const path = pathOf(take());
      // Read once at parse time, not per record.
      const needle = unquote(first);
      const inside = op === "in";
      return (r) => contains(select(r, path), needle) === inside;
    }
    const path = pathOf(first);
    if (op === "==" || op === "!=") {
      const value = unquote(take());
      return (r) => (String(select(r, path) ?? "") === value) === (op === "==");
    }
    if (op === "contains") {
      const value = unquote(take());
      return (r) => contains(select(r, path), value);
    }
    if (op === "matches") {
      const test = matcher(unquote(take()));
      return (r) => test(select(r, path));
    }
    if (op === "is") {
      const negate = peek() === "not";
      if (negate) take();
      if (take() !== "empty") fail(tokens[at - 1]);
      return (r) => isEmpty(select(r, path)) !== negate;
    }
    if (op === "not") {
      const verb = take();
      if (verb === "contains") {
        const value = unquote(take());
        return (r) => !contains(select(r, path), value);
      }
      if (verb === "matches") {
        const test = matcher(unquote(take()));
        return (r) => !test(select(r, path));
      }
    }
    return fail(op);
  };
  const and = (): Predicate => {
    let left = comparison();
    while (peek() === "and") {
      take();
      const l = left;
      const right = comparison();
      left = (r) => l(r) && right(r);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    while (peek() === "or") {
      take();
      const l = left;
      const right = and();
      left = (r) => l(r) || right(r);
    }
    return left;
  };
  const predicate = or();
  if (at !== tokens.length) fail(peek());
  return predicate;
}

/**
 * The `?filter=` of a read (Consul's `parseFilter`, agent/http.go: the first value, empty means none), compiled
 * before the read holds so a bad expression is a 400 at once; without one every record passes.
 */
export function queryFilter(value: string | readonly string[] | undefined): Predicate {
  const text = firstValue(value);
  return text ? compileFilter(text) : ACCEPT_ALL;
}

/** The predicate of a read without `?filter=`; a route may skip building records for it. */
export const ACCEPT_ALL: Predicate = () => true;
