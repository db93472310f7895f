import { badRequest } from "./consul-error.js";

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
  let value: unknown = record;
  for (const part of selector.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

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
