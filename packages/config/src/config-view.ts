import { lookupPath as lookup } from "./config-path.js";
import { ConfigError } from "./errors.js";

/** Read access to one loaded configuration, by dotted path (node-config's `get`/`has`). */
export interface ConfigView {
  /** The value at `path`; throws CONFIG_MISSING_KEY when there is none, as node-config does. */
  get<T = unknown>(path: string): T;
  has(path: string): boolean;
  /** The whole configuration, deeply frozen. */
  readonly data: Readonly<Record<string, unknown>>;
  /** The files and variables it was built from, lowest precedence first. */
  readonly sources: readonly string[];
}

/** Objects this module froze together with everything under them: a later walk stops there. */
const deeplyFrozen = new WeakSet<object>();

/** Objects a config hands on as they are (what node-config's `raw()` wraps): never frozen, nor anything under them. */
const unfrozen = new WeakSet<object>();

/** Marks `value` to be left as it is by `deepFreeze` (a `raw()` value: a stream, a logger, a client). */
export function leaveUnfrozen(value: object): void {
  unfrozen.add(value);
}

/**
 * Freezes `value` and everything reachable from it, so a write throws in strict mode. Walks into objects that are
 * frozen but not by this function (a frozen parent says nothing of its children), and skips subtrees it froze
 * before (a reload shares them between the loaded data, the typed value and the view). Typed arrays cannot be
 * frozen and are left as they are.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || deeplyFrozen.has(value) || ArrayBuffer.isView(value)) {
    return value;
  }
  if (unfrozen.has(value)) return value;
  // Marked first, so a circular reference ends the walk.
  deeplyFrozen.add(value);
  Object.freeze(value);
  for (const key in value) if (Object.hasOwn(value, key)) deepFreeze(value[key]);
  return value;
}

/** A ConfigView over a plain object; the object is frozen so no reader can change what others see. */
export function createConfigView(data: Record<string, unknown>, sources: readonly string[]): ConfigView {
  const frozen = deepFreeze(data);
  return {
    data: frozen,
    sources,
    has: (path) => lookup(frozen, path) !== undefined,
    get<T>(path: string): T {
      const value = lookup(frozen, path);
      if (value === undefined) {
        throw new ConfigError(
          "CONFIG_MISSING_KEY",
          `Configuration property "${path}" is not defined: add it to default.json or the environment's file`,
        );
      }
      return value as T;
    },
  };
}
