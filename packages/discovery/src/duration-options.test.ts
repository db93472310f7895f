// Every duration a discovery client takes is checked when it is built: NaN, a negative value or one past
// setTimeout's 2^31−1 ms (Node fires such a timer after 1 ms, with a TimeoutOverflowWarning) would poll the
// registry in a tight loop. Each is refused with DISCOVERY_INVALID_OPTION naming the option, before any timer or
// request starts.
import { describe, expect, it } from "vitest";
import { DnsSrvInstancer } from "./dns-srv-instancer.js";
import { isDiscoveryError } from "./errors.js";
import { EurekaDeltaInstancer } from "./eureka-delta-instancer.js";
import { EurekaInstancer } from "./eureka-instancer.js";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";
import { deregisterOnShutdown } from "./shutdown-hook.js";

// Nothing listens here: a client that wrongly started would fail to connect, not hang.
const registryUrl = "http://127.0.0.1:9/eureka";
const cases: [string, number, () => { close(): unknown } | { dispose(): unknown }][] = [
  ["pollIntervalMs", Number.NaN, () => new EurekaInstancer({ registryUrl, service: "a", pollIntervalMs: Number.NaN })],
  ["pollIntervalMs", -1, () => new EurekaInstancer({ registryUrl, service: "a", pollIntervalMs: -1 })],
  ["requestTimeoutMs", 2 ** 31, () => new EurekaInstancer({ registryUrl, service: "a", requestTimeoutMs: 2 ** 31 })],
  ["pollIntervalMs", 0, () => new EurekaDeltaInstancer({ registryUrl, service: "a", pollIntervalMs: 0 })],
  ["restartGraceMs", -5, () => new RegistryWatchInstancer({ registryUrl, service: "a", restartGraceMs: -5 })],
  [
    "waitMs",
    Number.POSITIVE_INFINITY,
    () => new RegistryWatchInstancer({ registryUrl, service: "a", waitMs: Number.POSITIVE_INFINITY }),
  ],
  ["minRefreshMs", -1, () => new DnsSrvInstancer({ name: "_http._tcp.a.local", minRefreshMs: -1 })],
  ["maxRefreshMs", 10, () => new DnsSrvInstancer({ name: "_http._tcp.a.local", minRefreshMs: 100, maxRefreshMs: 10 })],
  ["timeoutMs", Number.NaN, () => deregisterOnShutdown({ close: async () => {} }, { timeoutMs: Number.NaN })],
];

describe("discovery duration options", () => {
  it.each(cases)("%s = %s → DISCOVERY_INVALID_OPTION naming it", (name, _value, build) => {
    let caught: unknown;
    let built: ReturnType<typeof build> | undefined;
    try {
      built = build();
    } catch (error) {
      caught = error;
    }
    if (built && "close" in built) built.close();
    if (built && "dispose" in built) built.dispose();
    expect(isDiscoveryError(caught) && caught.code).toBe("DISCOVERY_INVALID_OPTION");
    expect((caught as Error).message).toContain(`${name} must be`);
  });
});
