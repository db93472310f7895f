import { createLiveConfig } from "@outrigger/config";
import { epochMs } from "../proc/clock.js";
import { CONFIG_DEBOUNCE_MS } from "./policy.js";

/** The policy file's name in the policy directory (node-config's base layer). */
export const POLICY_FILE_NAME = "default.json";

/** The live policy the propagation scenario changes: instances the SDK must stop sending to. */
export interface LiveDrain {
  /** Instance ids drained right now. */
  drained(): ReadonlySet<string>;
  /** When (epoch ms, sub-ms) the last change was applied in process; NaN before any change. */
  appliedAt(): number;
  close(): void;
}

interface DrainConfig {
  readonly drain?: readonly string[];
}

/** Follows `dir` (a ConfigMap-style directory) with @outrigger/config's live reload; no directory, no drain. */
export function createLiveDrain(dir: string | undefined): LiveDrain {
  if (!dir) return { drained: () => new Set(), appliedAt: () => Number.NaN, close() {} };
  const live = createLiveConfig<DrainConfig>({
    dir,
    debounceMs: CONFIG_DEBOUNCE_MS,
    schema: {
      safeParse: (value: unknown) => {
        const drain = (value as DrainConfig).drain;
        return Array.isArray(drain) && drain.every((d) => typeof d === "string")
          ? { success: true as const, data: value as DrainConfig }
          : { success: false as const, error: { issues: [{ path: ["drain"], message: "a list of instance ids" }] } };
      },
    },
  });
  let drained: ReadonlySet<string> = new Set(live.value.drain ?? []);
  let appliedAt = Number.NaN;
  live.onChange((event) => {
    drained = new Set(event.value.drain ?? []);
    appliedAt = epochMs();
  });
  return { drained: () => drained, appliedAt: () => appliedAt, close: () => live.close() };
}
