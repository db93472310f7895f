import { type ApplicationsDocument, applicationsDocument, appsHashCode, latestChangesByApp } from "./eureka-codec.js";
import type { Lease, RegistryChange } from "./registry.js";

/**
 * Eureka's delta document (`apps/delta`) in parts, like the full fetch: the latest change of each instance in the
 * window, grouped by application, and the hash code of the whole registry. Each change's instance is encoded once
 * (per lease object) and the gzip is kept per chunk, so a delta rebuilt after one change costs a few milliseconds
 * instead of re-serialising up to 10 000 changes on the event loop while heartbeats wait.
 */
export function deltaDocument(
  changes: readonly RegistryChange[],
  apps: ReadonlyMap<string, readonly Lease[]>,
  version: number,
): ApplicationsDocument {
  const byApp = latestChangesByApp(changes);
  const { parts } = applicationsDocument(byApp, version);
  const head = `{"applications":{"versions__delta":${JSON.stringify(String(version))},"apps__hashcode":${JSON.stringify(appsHashCode(apps))},"application":[`;
  return { head, parts };
}
