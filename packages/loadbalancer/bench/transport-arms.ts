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

/** An arm's name and how to make it (arms are made only when wanted: a pool or dispatcher costs nothing until used,
 *  but an arm in a process of its own should hold nothing of the others). */
type ArmFactory = readonly [name: string, make: () => Arm];

/** Every arm of the transport benchmark, over the same two instances, unmade. */
function armFactories(instances: readonly ServiceInstance[]): ArmFactory[] {
  const balancer = () => createBalancer({ instancer: new FixedInstancer(instances) });
  const urls = instances.map((instance) => instanceUrl(instance, "/x"));
  let next = 0;
  const roundRobin = <T>(items: readonly T[]): T => items[next++ % items.length] as T;

  const bare = (): Arm => {
    const pools = instances.map((instance) => new Pool(instanceUrl(instance, "").replace(/\/$/, "")));
    return {
      name: "bare undici Pool",
      send: async () => (await roundRobin(pools).request({ path: "/x", method: "GET" })).body.text(),
      close: async () => {
        await Promise.all(pools.map((pool) => pool.close()));
      },
    };
  };

  const lbArm = (name: string, settings: () => object, via: "request" | "fetch"): ArmFactory => [
    name,
    () => {
      const b = balancer();
      const dispatcher = createLbDispatcher({ balancer: () => b, ...settings() });
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
    },
  ];

  const plainAxios = (): Arm => {
    const plain = axios.create();
    return {
      name: "plain axios",
      send: async () => (await plain.get(roundRobin(urls))).data,
      close: async () => undefined,
    };
  };

  const lbAxiosArm = (name: string, transport: "undici" | "http" | undefined): ArmFactory => [
    name,
    () => {
      const b = balancer();
      const lbAxios = createLbAxios({ balancer: () => b, ...(transport ? { transport } : {}) });
      return {
        name,
        send: async () => (await lbAxios.get("lb://svc/x")).data,
        close: async () => {
          await lbAxios.close();
          b.close();
        },
      };
    },
  ];

  return [
    ["bare undici Pool", bare],
    lbArm("lb-undici", () => ({}), "request"),
    lbArm("lb-undici full policy", fullPolicy, "request"),
    // The dispatcher's own retries, per-try timeout and deadline (and outlier ejection, on by default): the same
    // protections without a resilience composition around the attempts.
    lbArm(
      "lb-undici built-in policy",
      () => ({ retry: { maxAttempts: 3 }, perTryTimeoutMs: 2_000, deadlineMs: 5_000 }),
      "request",
    ),
    lbArm("global fetch via lb dispatcher", () => ({}), "fetch"),
    ["plain axios", plainAxios],
    lbAxiosArm("lb-axios (default: undici transport)", undefined),
    lbAxiosArm("lb-axios (http adapter)", "http"),
  ];
}

/**
 * The arms whose names `wanted` accepts, made (with `LB_BENCH_BASELINE`, the baseline's too), in the benchmark's
 * order; `armNames` lists every name without making any.
 */
export async function armsFor(
  instances: readonly ServiceInstance[],
  wanted: (name: string) => boolean,
): Promise<Arm[]> {
  const factories = [...armFactories(instances), ...(await baselineFactories(instances))];
  return factories.filter(([name]) => wanted(name)).map(([, make]) => make());
}

/** Every arm's name, in the benchmark's order (baseline arms only with `LB_BENCH_BASELINE`). */
export async function armNames(): Promise<string[]> {
  return [...armFactories([]), ...(await baselineFactories([]))].map(([name]) => name);
}

/**
 * With `LB_BENCH_BASELINE=/path/to/a/checkout` (another worktree of this repository, installed), the lb-undici
 * arms and `createLbAxios` on each transport built from that checkout's sources too, named "… (baseline)": a
 * change is measured against the code before
 * it in the same run, interleaved, over the same instances. Run node with `--conditions=@outrigger/source`, so each
 * checkout's packages resolve to its own sources.
 */
async function baselineFactories(instances: readonly ServiceInstance[]): Promise<ArmFactory[]> {
  const root = process.env.LB_BENCH_BASELINE;
  if (!root) return [];
  const lb = `${root}/packages/loadbalancer`;
  const { createLbDispatcher: baseDispatcher } = await import(`${lb}/src/undici-dispatcher.ts`);
  const { createBalancer: baseBalancer } = await import(`${lb}/src/balancer.ts`);
  const { fullPolicy: basePolicy } = await import(`${lb}/bench/full-policy.ts`);
  const arm = (name: string, settings: () => object): ArmFactory => [
    `${name} (baseline)`,
    () => {
      const b = baseBalancer({ instancer: new FixedInstancer(instances) });
      const dispatcher = baseDispatcher({ balancer: () => b, ...settings() });
      return {
        name: `${name} (baseline)`,
        send: async () => (await dispatcher.request({ origin: "lb://svc", path: "/x", method: "GET" })).body.text(),
        close: async () => {
          await dispatcher.close();
          b.close();
        },
      };
    },
  ];
  const { createLbAxios: baseLbAxios } = await import(`${lb}/src/axios.ts`);
  // createLbAxios from that checkout, on each transport: the axios wrapper's own cost, before and after a change.
  const lbAxiosArm = (name: string, transport: "undici" | "http"): ArmFactory => [
    `${name} (baseline)`,
    () => {
      const b = baseBalancer({ instancer: new FixedInstancer(instances) });
      const http = baseLbAxios({ balancer: () => b, transport });
      return {
        name: `${name} (baseline)`,
        send: async () => (await http.get("lb://svc/x")).data,
        close: async () => b.close(),
      };
    },
  ];
  return [
    arm("lb-undici", () => ({})),
    arm("lb-undici full policy", basePolicy),
    lbAxiosArm("lb-axios (default: undici transport)", "undici"),
    lbAxiosArm("lb-axios (http adapter)", "http"),
  ];
}

/** Two instances answering 200 at once in a child process, unmade into arms; stop with `close`. */
export async function twoInstances(): Promise<{ instances: ServiceInstance[]; close(): Promise<void> }> {
  const fleet = new Fleet();
  await fleet.ready;
  const instances = [
    await fleet.start("a", { delayMs: 0, status: 200 }),
    await fleet.start("b", { delayMs: 0, status: 200 }),
  ];
  return {
    instances,
    close: async () => {
      await fleet.stopAll();
      fleet.close();
    },
  };
}

/** Two instances answering 200 at once in a child process, and every arm over them (in this process); stop with
 *  `close`. */
export async function armsOverTwoInstances(): Promise<{ arms: Arm[]; close(): Promise<void> }> {
  const fleet = await twoInstances();
  const arms = await armsFor(fleet.instances, () => true);
  return {
    arms,
    close: async () => {
      for (const arm of arms) await arm.close();
      await fleet.close();
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
