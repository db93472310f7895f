import { DURATION_HINT, parseDuration } from "@outrigger/policy";

/** A parsed YAML/JSON object, or undefined when the value is not one. */
export type Obj = Record<string, unknown>;

/** True for a plain object (not an array, not null). */
export function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a foreign document field by field, recording the path of every field it does not know, so an import can
 * refuse all of them at once instead of dropping them silently.
 */
export class FieldWalker {
  readonly unsupported: string[] = [];
  /** Fields present but not valid, as `path: why` (a duration that is not one). */
  readonly invalid: string[] = [];

  /** Milliseconds of the Istio duration at `path` (`"10s"`), undefined when absent; a bad one is recorded. */
  duration(value: unknown, path: string): number | undefined {
    if (value === undefined) return undefined;
    const ms = parseDuration(value);
    if (ms === undefined) this.invalid.push(`${path}: ${DURATION_HINT}`);
    return ms;
  }

  /** The object at `path` with only `known` keys read; every other key is recorded as unsupported. */
  object(value: unknown, path: string, known: readonly string[]): Obj {
    if (value === undefined) return {};
    if (!isObj(value)) {
      this.unsupported.push(`${path} (not an object)`);
      return {};
    }
    for (const key of Object.keys(value))
      if (!known.includes(key)) this.unsupported.push(path ? `${path}.${key}` : key);
    return value;
  }

  /** The array at `path` (empty when absent); a non-array is recorded. */
  array(value: unknown, path: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.unsupported.push(`${path} (not a list)`);
      return [];
    }
    return value;
  }

  /** Records `path` as unsupported when `value` is present. */
  refuse(value: unknown, path: string, why?: string): void {
    if (value !== undefined) this.unsupported.push(why ? `${path} (${why})` : path);
  }
}

/** Copies the defined entries of `fields`, so an absent Istio field stays absent in the model. */
export function defined<T extends Obj>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}
