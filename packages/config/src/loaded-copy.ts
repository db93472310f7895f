import nodeConfig from "config/lib/util.js";
import { leaveUnfrozen } from "./config-view.js";
import { linearClone } from "./linear-clone.js";

/**
 * The merged data of a node-config load, copied out of it as node-config's own `makeImmutable` would hand it to an
 * application: plain objects and arrays copied (shared and circular references kept), a `raw()` value replaced by
 * what it wraps — by reference, and left unfrozen (a stream, a logger: node-config leaves them as they are) — and
 * functions, promises (an async `defer`) and other objects kept as they are. `structuredClone`, used before, turned
 * a `raw()` value into `{}` without a word and threw a DataCloneError (not a ConfigError, quoting the value) on a
 * function (node-config#467: what `raw()` is for).
 */
export function copyLoaded(root: unknown): unknown {
  return linearClone(root, Number.POSITIVE_INFINITY, (value) => {
    if (!(value instanceof nodeConfig.RawConfig)) return value;
    const raw: unknown = value.resolve();
    if (typeof raw === "object" && raw !== null) leaveUnfrozen(raw);
    return raw;
  });
}
