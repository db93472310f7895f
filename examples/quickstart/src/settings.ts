import { fileURLToPath } from "node:url";
import { type ConfigView, loadConfig } from "@outrigger/config";

/** The example's config directory: the `outrigger` section and the demo's own settings (node-config layering). */
export const configDir = fileURLToPath(new URL("../config", import.meta.url));

/** The example's settings, loaded by node-config from `examples/quickstart/config/` (override with NODE_CONFIG). */
export function settings(): ConfigView {
  return loadConfig({ dir: configDir });
}
