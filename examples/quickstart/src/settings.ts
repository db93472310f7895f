import { fileURLToPath } from "node:url";
import { type ConfigView, loadConfig } from "@outrigger/config";

/** The example's settings, loaded by node-config from `examples/quickstart/config/` (override with NODE_CONFIG). */
export function settings(): ConfigView {
  return loadConfig({ dir: fileURLToPath(new URL("../config", import.meta.url)) });
}
