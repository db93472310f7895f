import { readFileSync } from "node:fs";
import { writeAtomically } from "@outrigger/config";
import type { OutriggerConfig } from "@outrigger/node";

/** The caller's config file: its `outrigger` section (everything else in the file is the application's). */
export interface CallerConfig {
  outrigger: OutriggerConfig;
}

/** This example's `config/default.json`, parsed afresh (a copy the caller of this function may change). */
export function exampleConfig(): CallerConfig {
  return JSON.parse(readFileSync(new URL("../config/default.json", import.meta.url), "utf8"));
}

/**
 * Writes `config` into `dir` the way kubelet updates a mounted ConfigMap: the files go into a new timestamped
 * directory, then the `..data` symlink is swapped to it in one rename, so a reader never sees half a file.
 * `registryUrl` replaces the file's registry address (the demo's registry listens on a free port).
 */
export function writeConfigMap(dir: string, config: CallerConfig, registryUrl: string): void {
  const outrigger = { ...config.outrigger, registry: { ...config.outrigger.registry, url: registryUrl } };
  writeAtomically(dir, { "default.json": JSON.stringify({ ...config, outrigger }, null, 2) });
}
