import { afterAll } from "vitest";
import { type RegistryProcess, spawnRegistry } from "../e2e/spawn-registry.js";
import { registration } from "../test-fixtures.js";

/** Registry processes started by one test file, stopped after it. */
export function registryProcesses(): (args?: readonly string[]) => Promise<RegistryProcess> {
  const running = new Set<RegistryProcess>();
  afterAll(async () => {
    await Promise.all([...running].map((p) => p.stop()));
  });
  return async (args = []) => {
    const p = await spawnRegistry(["--port", "0", ...args]);
    running.add(p);
    return p;
  };
}

/** A Eureka instance as a read returns it. */
export interface EurekaInstance {
  readonly instanceId: string;
  readonly status: string;
  readonly overriddenStatus: string;
  readonly lastDirtyTimestamp: string;
  readonly metadata: Record<string, string>;
  readonly leaseInfo: Record<string, number>;
}

/** A Eureka client's calls, made with plain HTTP as Java, Spring and Python clients make them. */
export function eurekaCalls(base: string, app: string) {
  const url = `${base}/eureka/apps/${app}`;
  return {
    /** POST a registration; resolves with the answer's status. */
    async register(id: string, extra: Record<string, unknown> = {}): Promise<number> {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(registration(id, { app, ...extra })),
      });
      await res.arrayBuffer();
      return res.status;
    },
    /** PUT a heartbeat, with Eureka's query parameters. */
    async renew(id: string, query = ""): Promise<number> {
      const res = await fetch(`${url}/${id}${query ? `?${query}` : ""}`, { method: "PUT" });
      await res.arrayBuffer();
      return res.status;
    },
    /** Any other write: `PUT status?value=`, `DELETE status`, `PUT metadata?k=v`. */
    async write(method: string, path: string): Promise<number> {
      const res = await fetch(`${url}/${path}`, { method });
      await res.arrayBuffer();
      return res.status;
    },
    /** One instance, read live. */
    async instance(id: string): Promise<EurekaInstance> {
      const res = await fetch(`${url}/${id}`, { headers: { accept: "application/json" } });
      return ((await res.json()) as { instance: EurekaInstance }).instance;
    },
  };
}
