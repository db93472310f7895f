import type { Clock } from "./clock.js";

/** A registration body in Eureka's shape, for tests. */
export function registration(id: string, extra: Record<string, unknown> = {}): { instance: Record<string, unknown> } {
  return {
    instance: {
      instanceId: id,
      hostName: "127.0.0.1",
      app: "HELLO",
      ipAddr: "127.0.0.1",
      status: "UP",
      port: { $: 8080, "@enabled": "true" },
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
      ...extra,
    },
  };
}

/** A clock tests move by hand. */
export function fakeClock(start = 1_000_000): Clock & { advance(ms: number): number } {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}
