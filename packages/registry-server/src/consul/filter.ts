import { badRequest, quoted } from "./consul-error.js";
import { firstValue } from "./go-bool.js";

/** A compiled `?filter=` expression: true when a record matches. */
export type Predicate = (record: Readonly<Record<string, unknown>>) => boolean;

/** Filter expressions are capped so a request cannot make the parser work unboundedly. */
const MAX_FILTER_CHARS = 512;

const TOKEN = /\s*(\(|\)|==|!=|"(?:[^"\\]|\\.)*"|`[^`]*`|[A-Za-z0-9_.\-:/]+)/y;

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

const unquote = (token: string): string =>
  token.startsWith('"') ? (JSON.parse(token) as string) : token.startsWith("`") ? token.slice(1, -1) : token;

function select(record: Readonly<Record<string, unknown>>, selector: string): unknown {
  const parts = selector.split(".");
  // Every record of one listing has the same top-level fields, so a first name the record lacks is a selector
  // this endpoint does not have (`ServiceTags` on /v1/health/service, whose entries have `Service.Tags`): Consul
  // refuses it (prometheus/prometheus#18499) rather than matching nothing.
  if (!Object.hasOwn(record, parts[0] as string)) {
    throw badRequest(`Selector ${quoted(parts[0] as string)} is not valid`, SELECTOR_DETAIL);
  }
  let value: unknown = record;
  for (const part of parts) {
    // A step into a list (`Checks.Status` of a health entry) has no one value: refused, never read as "absent".
    if (Array.isArray(value)) throw badRequest(`filter selector ${quoted(selector)} steps into a list`, LIST_DETAIL);
    if (typeof value !== "object" || value === null) return undefined;
    value = Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}

const SELECTOR_DETAIL =
  "Selectors name the fields of the records this endpoint answers: Service.Tags on /v1/health/service, ServiceTags on /v1/catalog.";

const LIST_DETAIL =
  'A selector may end at a list (Service.Tags contains "v") but not step into one (Checks.Status); use ?passing for check states.';

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
 * `Sel == "v"`, `!=`, `Sel contains "v"`, `"v" in Sel`, `not in`, `not contains`, `Sel is empty`,
 * `is not empty`, combined with `and`, `or`, `not` and parentheses. Selectors are field names, dotted for maps
 * (`Meta.team`). Anything else is a 400, as Consul answers a filter it cannot parse.
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
    if (op === "==" || op === "!=") {
      const value = unquote(take());
      return (r) => (String(select(r, first) ?? "") === value) === (op === "==");
    }
    if (op === "contains") {
      const value = unquote(take());
      return (r) => contains(select(r, first), value);
    }
    if (op === "in") {
      const selector = take();
      return (r) => contains(select(r, selector), unquote(first));
    }
    if (op === "is") {
      const negate = peek() === "not";
      if (negate) take();
      if (take() !== "empty") fail(tokens[at - 1]);
      return (r) => isEmpty(select(r, first)) !== negate;
    }
    if (op === "not") {
      const verb = take();
      if (verb === "in") {
        const selector = take();
        return (r) => !contains(select(r, selector), unquote(first));
      }
      if (verb === "contains") {
        const value = unquote(take());
        return (r) => !contains(select(r, first), value);
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
