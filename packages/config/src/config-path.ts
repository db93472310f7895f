/** The value at a dotted `path` in plain data, or undefined (node-config's path rules: own properties only). */
export function lookupPath(data: unknown, path: string): unknown {
  let current = data;
  for (const part of path.split(".")) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A copy of `data` with `value` at `path` (undefined removes it); only the objects along the path are copied. */
export function withPath(data: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const [head, ...rest] = path.split(".");
  const copy = { ...data };
  if (head === undefined) return copy;
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  const base = typeof child === "object" && child !== null && !Array.isArray(child) ? child : {};
  copy[head] = withPath(base as Record<string, unknown>, rest.join("."), value);
  return copy;
}

/** Structural equality of JSON-like values (what config files can hold). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  // A schema may turn strings into objects (a URL, a Date): compare those by what they serialise to.
  if (typeof (a as { toJSON?: unknown }).toJSON === "function") return JSON.stringify(a) === JSON.stringify(b);
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The loaded data with the schema's typed value laid over it: where the schema produced a value (coerced, defaulted,
 * transformed), that value; keys the schema does not know stay as loaded. So `get(path)` reads what `value` holds.
 */
export function overlay(raw: unknown, typed: unknown): unknown {
  if (!isPlainObject(raw) || !isPlainObject(typed)) return typed;
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(typed)) out[key] = overlay(raw[key], value);
  return out;
}

/** One changed leaf: its dotted path and the values before and after (undefined when added or removed). */
export interface PathChange {
  readonly path: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
}

/** The leaf paths that differ between two configurations; arrays are compared whole, as one value. */
export function diffConfig(before: unknown, after: unknown, prefix = ""): PathChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].sort().flatMap((key) => diffConfig(before[key], after[key], prefix ? `${prefix}.${key}` : key));
  }
  return deepEqual(before, after) ? [] : [{ path: prefix, oldValue: before, newValue: after }];
}
