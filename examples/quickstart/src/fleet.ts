import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigView } from "@outrigger/config";
import { createOutrigger, type Outrigger } from "@outrigger/node";
import { Child } from "./child.js";
import { settings } from "./settings.js";

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
 * `OUTRIGGER_REGISTRY_TOKEN` and `NODE_EXTRA_CA_CERTS` for a registry with a token and TLS.
 */
export async function startHello(name: string, registryUrl: string, env: NodeJS.ProcessEnv = {}): Promise<Child> {
  const hello = startHelloProcess(name, registryUrl, env);
  await hello.waitFor((e) => e.event === "registered");
  return hello;
}

/** A `hello` process, returned at once (for one that is not expected to register). */
export function startHelloProcess(name: string, registryUrl: string, env: NodeJS.ProcessEnv = {}): Child {
  return new Child(name, process.execPath, ["--import", "tsx", fileURLToPath(new URL("./hello.ts", import.meta.url))], {
    HELLO_NAME: name,
    OUTRIGGER_REGISTRY_URL: `${registryUrl}/eureka`,
    ...env,
  });
}

/**
 * The caller's side: one `createOutrigger` for a client-only process (it does not register); `og.http` resolves
 * `lb://hello/` through discovery, round robin and retries from the `outrigger` section of `config/`.
 */
export function createHelloClient(registryUrl: string): Promise<Outrigger> {
  const section = settings().get<Record<string, unknown>>("outrigger");
  const registry = { ...(section.registry as object), url: `${registryUrl}/eureka`, enabled: false };
  return createOutrigger({
    service: "quickstart-client",
    port: 0,
    config: { outrigger: { ...section, registry, shutdown: { signals: [] } } },
  });
}
