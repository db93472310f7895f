import nodeConfig from "config/lib/util.js";

type CloneDeep = typeof nodeConfig.Util.cloneDeep;

/**
 * Runs `load` with node-config's deep clone replaced by a linear one. node-config 4's `Util.cloneDeep` (from
 * pvorb/node-clone) finds objects it already copied with `Array.indexOf`, so cloning a file's subtree costs the square
 * of its object count: a 0.9 MB JSON of 80 000 small objects held the event loop ~6 s on every reload. This clone
 * keeps the same rules (prototypes, accessors, promises kept as they are, shared and circular references preserved,
 * the depth limit) with a Map, and hands anything that is not a plain object or array (Date, RegExp, Buffer,
 * RawConfig) to node-config's own clone. The swap is synchronous and undone before returning, so nothing else
 * (the application's own `config` singleton included) ever sees it.
 */
export function withLinearClone<R>(load: () => R): R {
  const util = nodeConfig.Util;
  const original: CloneDeep = util.cloneDeep;
  const own = (value: unknown, depth: number) => original.call(util, value, depth);
  util.cloneDeep = (parent, depth = 20, circular = true, prototype) =>
    circular && prototype === undefined
      ? linearClone(parent, depth, own)
      : original.call(util, parent, depth, circular, prototype);
  try {
    return load();
  } finally {
    util.cloneDeep = original;
  }
}

/**
 * Copies plain objects and arrays under `root` down to `depth` levels (shared and circular references kept, getters
 * and promises kept as they are); anything else goes to `other`.
 */
export function linearClone(root: unknown, depth: number, other: (value: unknown, depth: number) => unknown): unknown {
  const copies = new Map<object, unknown>();
  const clone = (value: unknown, left: number): unknown => {
    if (left === 0 || typeof value !== "object" || value === null) return value;
    const proto = Object.getPrototypeOf(value);
    const array = Array.isArray(value);
    if (!array && proto !== Object.prototype && proto !== null) return other(value, left);
    const seen = copies.get(value);
    if (seen !== undefined) return seen;
    const copy: Record<string, unknown> = array ? ([] as unknown as Record<string, unknown>) : Object.create(proto);
    copies.set(value, copy);
    const source = value as Record<string, unknown>;
    for (const key in source) {
      const descriptor = Object.getOwnPropertyDescriptor(source, key);
      if (descriptor?.get) Object.defineProperty(copy, key, descriptor);
      else copy[key] = isPromise(source[key]) ? source[key] : clone(source[key], left - 1);
    }
    return copy;
  };
  return clone(root, depth);
}

function isPromise(value: unknown): boolean {
  return Object.prototype.toString.call(value) === "[object Promise]";
}
