import type { Registry } from "../registry.js";
import { type AppIndexes, readAppIndexes } from "./task.js";

/** This registry's index of each of `apps` (upper-cased names). */
export function appIndexesOf(registry: Registry, apps: Iterable<string>): AppIndexes {
  const out: AppIndexes = {};
  for (const app of apps) out[app.toUpperCase()] = registry.appIndex(app);
  return out;
}

/**
 * Raises this registry's index of each application a peer sent (`AppIndexes` in `body`) to the peer's when higher,
 * never lowering one, and returns ours of those applications and of `alsoApps` for the peer to do the same. After
 * one exchange both peers hold the higher of their two numbers for each application, so neither answers a client
 * with less than the other handed out (the rule of hashicorp/consul agent/consul/rpc.go blockingQuery: the index
 * is the cluster's, whichever server answers).
 */
export function exchangeAppIndexes(registry: Registry, body: unknown, alsoApps: Iterable<string> = []): AppIndexes {
  const theirs = readAppIndexes(body);
  mergeAppIndexes(registry, theirs);
  return appIndexesOf(registry, [...Object.keys(theirs), ...alsoApps]);
}

/** Raises this registry's index of each application to a peer's, when the peer's is higher. */
export function mergeAppIndexes(registry: Registry, indexes: AppIndexes): void {
  for (const [app, index] of Object.entries(indexes)) registry.mergeIndex(index, [app]);
}
