import { ConfigError } from "./errors.js";

/**
 * The fewest values one config file may hold once shared references are counted at every place they appear:
 * 1 000 000, about twice what the default 1 MiB file cap lets plain JSON hold (`[1,1,…]` is two bytes a value); a
 * raised `maxFileBytes` raises it with it (one value a byte). YAML anchors and aliases (`&a` / `*a`) parse to one
 * object shared by every alias, so a few hundred bytes can describe 10^9 values ("billion laughs", CVE-2003-1564's
 * kind); node-config's merge (`Util.extendDeep`), LiveConfig's schema parse, overlay and diff all walk a file path by
 * path, so each would hold the event loop for hours. The `yaml` package refuses the worst by itself
 * (`maxAliasCount`, 100); `js-yaml`, which node-config falls back to, has no limit.
 */
export const MAX_EXPANDED_VALUES = 1_000_000;

/** The limit for files of at most `maxFileBytes`. */
export function expansionLimit(maxFileBytes: number): number {
  return Math.max(MAX_EXPANDED_VALUES, maxFileBytes);
}

type Frame = { readonly value: unknown; readonly leave?: never } | { readonly leave: object };

/**
 * Throws CONFIG_FILE_TOO_LARGE when `value` (one parsed file) holds more than `limit` values counted path by path
 * (a shared object once per path to it, at any depth). A reference back to an object on its own path (a cycle a
 * `.js` config may hold) is not followed; byte arrays (Buffer, typed arrays) count as one value. Stops counting at
 * the limit, so the check itself costs at most `limit` steps.
 */
export function checkExpansion(value: unknown, file: string, limit = MAX_EXPANDED_VALUES): void {
  const stack: Frame[] = [{ value }];
  const onPath = new Set<object>();
  let count = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (frame.leave !== undefined) {
      onPath.delete(frame.leave);
      continue;
    }
    const next = frame.value;
    if (typeof next === "object" && next !== null && onPath.has(next)) continue; // a cycle
    count += 1;
    if (count > limit) {
      throw new ConfigError(
        "CONFIG_FILE_TOO_LARGE",
        `${file} expands to more than ${limit} values (YAML aliases repeat what they name at every use): write the values out or share fewer levels of aliases`,
        { file },
      );
    }
    if (typeof next !== "object" || next === null || ArrayBuffer.isView(next)) continue;
    onPath.add(next);
    stack.push({ leave: next });
    for (const key in next) stack.push({ value: (next as Record<string, unknown>)[key] });
  }
}
