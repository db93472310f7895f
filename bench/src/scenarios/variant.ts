import type { Fleet } from "../fleet/fleet.js";
import { type Sidecar, startSidecar } from "../haproxy/sidecar.js";
import type { BenchProcess } from "../proc/child.js";
import { startScript } from "../proc/node-script.js";
import { CORES } from "../proc/pin.js";
import type { PolicyName, PolicySource } from "../variants/policy.js";
import type { VariantName } from "./variant-names.js";

/** A client service wired through one variant, ready for load. */
export interface RunningVariant {
  readonly name: VariantName;
  /** Where the load generator sends. */
  readonly url: string;
  readonly client: BenchProcess;
  readonly sidecar: Sidecar | undefined;
  /** Client process id, then sidecar process ids: whose CPU and memory the report counts. */
  readonly clientPid: number;
  readonly sidecarPids: readonly number[];
  close(): Promise<void>;
}

/** Options of one variant start. */
export interface VariantOptions {
  readonly policy?: PolicyName;
  /** SDK only: the policy directory its live config follows. */
  readonly policyDir?: string;
  /** SDK only: where its policy changes come from (default `file`: the policy directory). */
  readonly policySource?: PolicySource;
  /**
   * Log every connection the process that reaches the upstreams opens (the SDK client, or HAProxy) to this file, so
   * attempts at an instance are counted the same way for both sides.
   */
  readonly connectLog?: string;
  /**
   * SDK only: judge passive health on the response a call keeps, as HAProxy (the balancer's
   * `outlierDetection.countRetriedAttempts: false`, see `variants/sdk.ts`). Set by the failure runs; the CPU and
   * steady phases leave the SDK's default, which is the same there: nothing fails, so nothing is judged.
   */
  readonly judgeKeptResponse?: boolean;
}

/**
 * Starts the client service (pinned to the client core) and, for the HAProxy variants, its sidecar: both HTTP-mode
 * variants get the same sidecar (config, sync agent), only their client's transport differs.
 */
export async function startVariant(
  name: VariantName,
  fleet: Fleet,
  options: VariantOptions = {},
): Promise<RunningVariant> {
  const policy = options.policy ?? "matched";
  const upstreams = fleet.list().map((u) => ({ host: "127.0.0.1", port: u.port }));
  let sidecar: Sidecar | undefined;
  if (name === "haproxy-http" || name === "haproxy-http-undici") {
    sidecar = await startSidecar("http", fleet.registryUrl, policy, [], options.connectLog);
    await sidecar.waitForServers(upstreams.length);
  } else if (name === "haproxy-tcp") {
    sidecar = await startSidecar("tcp", fleet.registryUrl, policy, upstreams);
  }
  // The process that connects to the upstreams is traced: HAProxy when there is a sidecar, else the client.
  const client = startScript(
    `client-${name}`,
    CORES.client,
    "client/client.ts",
    {
      CLIENT_VARIANT: name,
      REGISTRY_URL: fleet.registryUrl,
      UPSTREAM_URLS: upstreams.map((u) => `http://${u.host}:${u.port}`).join(","),
      SIDECAR_URL: sidecar?.url ?? "",
      POLICY: policy,
      POLICY_DIR: options.policyDir ?? "",
      JUDGE_KEPT_RESPONSE: options.judgeKeptResponse ? "1" : "",
      POLICY_SOURCE: options.policySource ?? "file",
    },
    sidecar ? undefined : options.connectLog,
  );
  const listening = await client.waitFor((m) => m.event === "listening");
  return {
    name,
    url: `http://127.0.0.1:${Number(listening.port)}/`,
    client,
    sidecar,
    clientPid: client.pid,
    sidecarPids: sidecar?.pids ?? [],
    async close() {
      await client.kill("SIGTERM");
      await sidecar?.close();
    },
  };
}
