import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigView } from "@outrigger/config";
import { EurekaInstancer, type RegistryAccessOptions } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { createRetryPolicy } from "@outrigger/resilience";
import type { AxiosInstance } from "axios";
import { Child } from "./child.js";

const require = createRequire(import.meta.url);

function registryBin(): string {
  const manifest = require.resolve("@outrigger/registry-server/package.json");
  const { bin } = require(manifest) as { bin: Record<string, string> };
  return join(dirname(manifest), bin["outrigger-registry"] as string);
}

/**
 * Starts the registry CLI on `port` and resolves with it once it says it listens. `args` adds options, e.g.
 * `["--token", t, "--tls-cert", f, "--tls-key", k]`.
 */
export async function startRegistry(
  config: ConfigView,
  port: number,
  args: readonly string[] = [],
): Promise<{ child: Child; url: string }> {
  const child = new Child("registry", process.execPath, [
    registryBin(),
    "--host",
    config.get<string>("registry.host"),
    "--port",
    String(port),
    ...args,
  ]);
  const listening = await child.waitFor((e) => e.event === "listening");
  return { child, url: String(listening.url) };
}

/**
 * Starts one `hello` instance against the registry; resolves once it has registered. `env` adds settings, e.g.
 * `OUTRIGGER_REGISTRY_TOKEN` and `OUTRIGGER_REGISTRY_CA_FILE` for a registry with a token and TLS.
 */
export async function startHello(name: string, registryUrl: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const hello = new Child(
    name,
    process.execPath,
    ["--import", "tsx", fileURLToPath(new URL("./hello.ts", import.meta.url))],
    {
      HELLO_NAME: name,
      OUTRIGGER_REGISTRY_URL: registryUrl,
      ...env,
    },
  );
  await hello.waitFor((e) => e.event === "registered");
  return hello;
}

/** The caller's side: discovery → round-robin balancer → retry that re-picks → axios. */
export interface HelloClient {
  readonly http: AxiosInstance;
  readonly instancer: EurekaInstancer;
  /** Retries made so far. */
  retries(): number;
  /** Resolves once discovery sees exactly `count` instances. */
  waitForInstances(count: number): Promise<void>;
  close(): void;
}

/** Builds the client from the example's settings; `access` carries a token and TLS settings when the registry needs them. */
export function createHelloClient(
  config: ConfigView,
  registryUrl: string,
  access: RegistryAccessOptions = {},
): HelloClient {
  const service = config.get<string>("hello.service");
  const instancer = new EurekaInstancer({
    registryUrl: `${registryUrl}/eureka`,
    service,
    pollIntervalMs: config.get<number>("client.pollIntervalMs"),
    ...access,
  });
  const balancer = createBalancer({ instancer });
  const retry = createRetryPolicy({ maxAttempts: config.get<number>("client.retry.maxAttempts") });
  let retries = 0;
  retry.onRetry(() => {
    retries += 1;
  });
  const http = createLbAxios({ balancer: (name) => (name === service ? balancer : undefined), policy: retry });
  return {
    http,
    instancer,
    retries: () => retries,
    waitForInstances(count) {
      return new Promise((resolve) => {
        const check = (): boolean => instancer.current().instances.length === count;
        if (check()) return resolve();
        const sub = instancer.onChange(() => {
          if (check()) {
            sub.dispose();
            resolve();
          }
        });
        void instancer.refresh().catch(() => {});
      });
    },
    close: () => instancer.close(),
  };
}
