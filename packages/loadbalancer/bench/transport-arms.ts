import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import axios from "axios";
import { Pool } from "undici";
import { createLbAxios } from "../src/axios.js";
import { createBalancer } from "../src/balancer.js";
import { instanceUrl } from "../src/lb-url.js";
import { createLbDispatcher } from "../src/undici-dispatcher.js";
import { Fleet } from "./fleet.js";
import { fullPolicy } from "./full-policy.js";

/** One client under test: `send` makes one request and reads its body; `close` frees its sockets. */
export interface Arm {
  readonly name: string;
  send(): Promise<unknown>;
  close(): Promise<void>;
}

/** Every arm of the transport benchmark, over the same two instances. */
export function makeArms(instances: readonly ServiceInstance[]): Arm[] {
  const balancer = () => createBalancer({ instancer: new FixedInstancer(instances) });
  const urls = instances.map((instance) => instanceUrl(instance, "/x"));
  let next = 0;
  const roundRobin = <T>(items: readonly T[]): T => items[next++ % items.length] as T;

  const pools = instances.map((instance) => new Pool(instanceUrl(instance, "").replace(/\/$/, "")));
  const bare: Arm = {
    name: "bare undici Pool",
    send: async () => (await roundRobin(pools).request({ path: "/x", method: "GET" })).body.text(),
    close: async () => {
      await Promise.all(pools.map((pool) => pool.close()));
    },
  };

  const lbArm = (name: string, settings: object, via: "request" | "fetch"): Arm => {
    const b = balancer();
    const dispatcher = createLbDispatcher({ balancer: () => b, ...settings });
    return {
      name,
      send:
        via === "request"
          ? async () => (await dispatcher.request({ origin: "lb://svc", path: "/x", method: "GET" })).body.text()
          : async () => (await fetch("http://svc/x", { dispatcher } as RequestInit)).text(),
      close: async () => {
        await dispatcher.close();
        b.close();
      },
    };
  };

  const plain = axios.create();
  const plainAxios: Arm = {
    name: "plain axios",
    send: async () => (await plain.get(roundRobin(urls))).data,
    close: async () => undefined,
  };

  const lbAxiosArm = (name: string, transport: "undici" | "http" | undefined): Arm => {
    const b = balancer();
    const lbAxios = createLbAxios({ balancer: () => b, ...(transport ? { transport } : {}) });
    return {
      name,
      send: async () => (await lbAxios.get("lb://svc/x")).data,
      close: async () => b.close(),
    };
  };

  return [
    bare,
    lbArm("lb-undici", {}, "request"),
    lbArm("lb-undici full policy", fullPolicy(), "request"),
    // The dispatcher's own retries, per-try timeout and deadline (and outlier ejection, on by default): the same
    // protections without a resilience composition around the attempts.
    lbArm(
      "lb-undici built-in policy",
      { retry: { maxAttempts: 3 }, perTryTimeoutMs: 2_000, deadlineMs: 5_000 },
      "request",
    ),
    lbArm("global fetch via lb dispatcher", {}, "fetch"),
    plainAxios,
    lbAxiosArm("lb-axios (default: undici transport)", undefined),
    lbAxiosArm("lb-axios (http adapter)", "http"),
  ];
}

/**
 * With `LB_BENCH_BASELINE=/path/to/a/checkout` (another worktree of this repository, installed), the lb-undici
 * arms and `createLbAxios` on each transport built from that checkout's sources too, named "… (baseline)": a
 * change is measured against the code before
 * it in the same run, interleaved, over the same instances. Run node with `--conditions=@outrigger/source`, so each
 * checkout's packages resolve to its own sources.
 */
async function baselineArms(instances: readonly ServiceInstance[]): Promise<Arm[]> {
  const root = process.env.LB_BENCH_BASELINE;
  if (!root) return [];
  const lb = `${root}/packages/loadbalancer`;
  const { createLbDispatcher: baseDispatcher } = await import(`${lb}/src/undici-dispatcher.ts`);
  const { createBalancer: baseBalancer } = await import(`${lb}/src/balancer.ts`);
  const { fullPolicy: basePolicy } = await import(`${lb}/bench/full-policy.ts`);
  const arm = (name: string, settings: object): Arm => {
    const b = baseBalancer({ instancer: new FixedInstancer(instances) });
    const dispatcher = baseDispatcher({ balancer: () => b, ...settings });
    return {
      name: `${name} (baseline)`,
      send: async () => (await dispatcher.request({ origin: "lb://svc", path: "/x", method: "GET" })).body.text(),
      close: async () => {
        await dispatcher.close();
        b.close();
      },
    };
  };
  const { createLbAxios: baseLbAxios } = await import(`${lb}/src/axios.ts`);
  // createLbAxios from that checkout, on each transport: the axios wrapper's own cost, before and after a change.
  const lbAxiosArm = (name: string, transport: "undici" | "http"): Arm => {
    const b = baseBalancer({ instancer: new FixedInstancer(instances) });
    const http = baseLbAxios({ balancer: () => b, transport });
    return {
      name: `${name} (baseline)`,
      send: async () => (await http.get("lb://svc/x")).data,
      close: async () => b.close(),
    };
  };
  return [
    arm("lb-undici", {}),
    arm("lb-undici full policy", basePolicy()),
    lbAxiosArm("lb-axios (default: undici transport)", "undici"),
    lbAxiosArm("lb-axios (http adapter)", "http"),
  ];
}

/** Two instances answering 200 at once in a child process, and every arm over them; stop with `close`. */
export async function armsOverTwoInstances(): Promise<{ arms: Arm[]; close(): Promise<void> }> {
  const fleet = new Fleet();
  await fleet.ready;
  const instances = [
    await fleet.start("a", { delayMs: 0, status: 200 }),
    await fleet.start("b", { delayMs: 0, status: 200 }),
  ];
  const arms = [...makeArms(instances), ...(await baselineArms(instances))];
  return {
    arms,
    close: async () => {
      for (const arm of arms) await arm.close();
      await fleet.stopAll();
      fleet.close();
    },
  };
}

/** Sends `count` requests of `arm` from `concurrency` workers, each sending its next request when one ends. */
export async function closedLoopOf(arm: Arm, count: number, concurrency: number): Promise<void> {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      await arm.send();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
