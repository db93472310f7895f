import type { ServiceInstance } from "@outrigger/discovery";
import { FixedInstancer } from "@outrigger/discovery";
import axios from "axios";
import { Pool } from "undici";
import { createLbAxios } from "../src/axios.js";
import { createUndiciLbAxios } from "../src/axios-undici.js";
import { createBalancer } from "../src/balancer.js";
import { instanceUrl } from "../src/lb-url.js";
import { createLbDispatcher } from "../src/undici-dispatcher.js";
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

  const lbArm = (name: string, full: boolean, via: "request" | "fetch"): Arm => {
    const b = balancer();
    const dispatcher = createLbDispatcher({ balancer: () => b, ...(full ? fullPolicy() : {}) });
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

  const axiosBalancer = balancer();
  const lbAxios = createLbAxios({ balancer: () => axiosBalancer });
  const lbAxiosArm: Arm = {
    name: "lb-axios (http adapter)",
    send: async () => (await lbAxios.get("lb://svc/x")).data,
    close: async () => axiosBalancer.close(),
  };

  const undiciBalancer = balancer();
  const undiciDispatcher = createLbDispatcher({ balancer: () => undiciBalancer });
  const lbAxiosUndici = createUndiciLbAxios(undiciDispatcher);
  const lbAxiosUndiciArm: Arm = {
    name: "lb-axios (undici adapter)",
    send: async () => (await lbAxiosUndici.get("lb://svc/x")).data,
    close: async () => {
      await undiciDispatcher.close();
      undiciBalancer.close();
    },
  };

  return [
    bare,
    lbArm("lb-undici", false, "request"),
    lbArm("lb-undici full policy", true, "request"),
    lbArm("global fetch via lb dispatcher", false, "fetch"),
    plainAxios,
    lbAxiosArm,
    lbAxiosUndiciArm,
  ];
}
