import { composePolicies, createRetryPolicy, createTimeoutPolicy } from "@outrigger/resilience";
import type { AxiosInstance } from "axios";
import { createLbAxios as createLbAxiosOn, type LbAxiosOptions } from "../axios.js";
import type { Balancer } from "../pick.js";

/** One way the READMEs wire retries (and per-try timeouts) into the load-balanced client. */
export interface Wiring {
  readonly name: string;
  readonly make: (balancer: Balancer) => AxiosInstance;
}

const retryPolicy = () => createRetryPolicy({ maxAttempts: 3 });

/** Retries without a per-try timeout: the policy alone, the client's built-in retries, both. */
const retryOnly: readonly Wiring[] = [
  // The first wiring a user writes, from the resilience README.
  { name: "policy alone", make: (b) => createLbAxios({ balancer: () => b, policy: retryPolicy() }) },
  { name: "built-in retries", make: (b) => createLbAxios({ balancer: () => b, retry: { maxAttempts: 3 } }) },
  {
    name: "policy and built-in retries",
    make: (b) => createLbAxios({ balancer: () => b, policy: retryPolicy(), retry: { maxAttempts: 2 } }),
  },
];

/** Per-try timeouts of 150 ms, in the policy or in the client. */
const timeoutOnly: readonly Wiring[] = [
  {
    name: "retry and timeout in the policy",
    make: (b) =>
      createLbAxios({
        balancer: () => b,
        policy: composePolicies(retryPolicy(), createTimeoutPolicy({ ms: 150, scope: "attempt" })),
      }),
  },
  {
    name: "retry and timeout in the client",
    make: (b) => createLbAxios({ balancer: () => b, retry: { maxAttempts: 3 }, perTryTimeoutMs: 150 }),
  },
  {
    name: "retry in the policy, timeout in the client",
    make: (b) => createLbAxios({ balancer: () => b, policy: retryPolicy(), perTryTimeoutMs: 150 }),
  },
];

/**
 * Each wiring on both transports of `createLbAxios`: the default (undici, installed here) and the http adapter. The
 * wirings call `createLbAxios`; `onTransport` pins the transport underneath them.
 */
const onBothTransports = (wirings: readonly Wiring[]): Wiring[] =>
  wirings.flatMap((wiring) => [
    wiring,
    { name: `${wiring.name} (http adapter)`, make: (b) => withTransport("http", () => wiring.make(b)) },
  ]);

let pinned: LbAxiosOptions["transport"];
/** Runs `make` with every `createLbAxios` inside it on `transport`. */
function withTransport(transport: LbAxiosOptions["transport"], make: () => AxiosInstance): AxiosInstance {
  pinned = transport;
  try {
    return make();
  } finally {
    pinned = undefined;
  }
}
function createLbAxios(options: LbAxiosOptions): AxiosInstance {
  return createLbAxiosOn({ ...options, ...(pinned ? { transport: pinned } : {}) });
}

export const retryWirings: readonly Wiring[] = onBothTransports(retryOnly);
export const timeoutWirings: readonly Wiring[] = onBothTransports(timeoutOnly);

/** Each wiring, called with and without a long-lived caller signal. */
export const withSignals = (wirings: readonly Wiring[]) =>
  wirings.flatMap((wiring) => [
    { wiring, signal: false, label: `${wiring.name}, no caller signal` },
    { wiring, signal: true, label: `${wiring.name}, caller signal` },
  ]);
