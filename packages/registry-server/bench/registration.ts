/**
 * One Eureka registration body as a stock client sends it (JSON, `Accept: application/json` on reads), for the
 * registry benches. `lastDirtyTimestamp` is the one bench/renew.lua sends back on every heartbeat.
 */
export function registration(id: string, app: string, extra: Record<string, string> = {}) {
  return {
    instanceId: id,
    hostName: `host-${id}`,
    app,
    ipAddr: "10.0.0.1",
    status: "UP",
    port: { $: 8080, "@enabled": "true" },
    vipAddress: app.toLowerCase(),
    dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
    metadata: { zone: "eu-1", version: "1.0.0", ...extra },
    lastDirtyTimestamp: "1700000000000",
  };
}
