import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DnsResolution, DnsSrvInstancer } from "./dns-srv-instancer.js";
import { isDiscoveryError } from "./errors.js";
import type { Snapshot } from "./service-instance.js";
import { Dnsmasq, freeUdpPort } from "./testing/dnsmasq.js";

const NAME = "_http._tcp.orders.test";
const twoPods = [
  `--srv-host=${NAME},a.orders.test,8080,10,5`,
  `--srv-host=${NAME},b.orders.test,8081,10,5`,
  "--host-record=a.orders.test,127.0.0.2",
  "--host-record=b.orders.test,127.0.0.3",
];

function nextChange(instancer: DnsSrvInstancer): Promise<Snapshot> {
  return new Promise((resolve) => {
    const sub = instancer.onChange((s) => {
      sub.dispose();
      resolve(s);
    });
  });
}

// Against a real dnsmasq on a loopback port: the Kubernetes headless-service case without Kubernetes.
describe("DnsSrvInstancer against a real DNS server", () => {
  let dns: Dnsmasq;
  const closers: Array<() => void> = [];
  beforeAll(async () => {
    dns = new Dnsmasq(await freeUdpPort());
  });
  afterAll(async () => {
    for (const close of closers) close();
    await dns.stop();
  });

  const instancer = (options: { minRefreshMs?: number } = {}) => {
    const i = new DnsSrvInstancer({
      name: NAME,
      servers: [`127.0.0.1:${dns.port}`],
      timeoutMs: 500,
      backoff: { initialMs: 50, maxMs: 200 },
      ...options,
    });
    closers.push(() => i.close());
    return i;
  };

  it("resolves SRV targets to addresses and schedules the next lookup from the TTL", async () => {
    await dns.start(twoPods, 7);
    const orders = instancer();
    const resolution = await new Promise<DnsResolution>((resolve) => orders.onResolve(resolve));
    expect(resolution).toEqual({ instances: 2, ttlMs: 7_000, nextRefreshMs: 7_000, unresolved: [] });
    expect(orders.current().instances).toEqual([
      {
        id: "a.orders.test:8080",
        service: "orders",
        host: "127.0.0.2",
        port: 8080,
        secure: false,
        status: "UP",
        weight: 5,
        priority: 10,
        metadata: { target: "a.orders.test", priority: "10", weight: "5" },
      },
      expect.objectContaining({ id: "b.orders.test:8081", host: "127.0.0.3", port: 8081 }),
    ]);
    orders.close();
    await dns.stop();
  });

  it("re-resolves when the TTL runs out, and keeps its set while DNS is down", async () => {
    await dns.start(twoPods, 1); // TTL 1 s: the instancer looks again after 1 s on its own
    const orders = instancer({ minRefreshMs: 1_000 });
    let lookups = 0;
    const secondLookup = new Promise<void>((resolve) =>
      orders.onResolve(() => {
        lookups += 1;
        if (lookups === 2) resolve();
      }),
    );
    await nextChange(orders);
    expect(orders.current().instances).toHaveLength(2);
    await secondLookup; // nobody called refresh(): the TTL scheduled it

    const failed = new Promise<Error>((resolve) => orders.onError(resolve));
    await dns.stop();
    const error = await failed;
    expect(isDiscoveryError(error) && error.code).toBe("DISCOVERY_DNS_FAILED");
    expect(orders.current().instances).toHaveLength(2);

    // A pod went away and DNS is back: the next lookup (backoff) publishes the smaller set.
    const changed = nextChange(orders);
    await dns.start([`--srv-host=${NAME},a.orders.test,8080,10,5`, "--host-record=a.orders.test,127.0.0.2"], 1);
    expect((await changed).instances.map((i) => i.id)).toEqual(["a.orders.test:8080"]);
    await dns.stop();
  });

  it("clamps a TTL of 0 to minRefreshMs so it never spins", async () => {
    await dns.start(twoPods, 0);
    const orders = instancer({ minRefreshMs: 5_000 });
    const resolution = await new Promise<DnsResolution>((resolve) => orders.onResolve(resolve));
    expect(resolution).toMatchObject({ ttlMs: 0, nextRefreshMs: 5_000 });
    orders.close();
    await dns.stop();
  });

  // grpc-go's SRV resolver (internal/resolver/dns/dns_resolver.go, lookupSRV): each target through LookupHost (A and
  // AAAA), and a target that does not exist is skipped, not fatal (cockroachdb/cockroach#48349). An IPv6-only
  // cluster has no A records (linkerd/linkerd2-proxy#2864). `--local` makes dnsmasq answer NXDOMAIN for a missing
  // name in the zone, as a cluster DNS does, instead of REFUSED (it has no upstream).
  it("resolves IPv6-only targets, skips a target without an address, and names it in onResolve", async () => {
    await dns.start(
      [
        "--local=/orders.test/",
        `--srv-host=${NAME},a.orders.test,8080,10,5`,
        `--srv-host=${NAME},c.orders.test,8082,10,5`,
        `--srv-host=${NAME},gone.orders.test,8083,10,5`,
        "--host-record=a.orders.test,127.0.0.2",
        "--host-record=c.orders.test,::1",
      ],
      5,
    );
    const orders = instancer();
    const failures: Error[] = [];
    orders.onError((error) => failures.push(error));
    const resolution = await new Promise<DnsResolution>((resolve) => orders.onResolve(resolve));
    expect(resolution).toMatchObject({ instances: 2, unresolved: ["gone.orders.test"] });
    expect(orders.current().instances.map((i) => [i.id, i.host, i.port])).toEqual([
      ["a.orders.test:8080", "127.0.0.2", 8080],
      ["c.orders.test:8082", "::1", 8082],
    ]);
    expect(failures).toEqual([]);
    orders.close();
    await dns.stop();
  });

  it("fails the lookup, keeping the last set, when no target has an address", async () => {
    await dns.start(["--local=/orders.test/", `--srv-host=${NAME},gone.orders.test,8083,10,5`], 5);
    const orders = instancer();
    const error = await new Promise<Error>((resolve) => orders.onError(resolve));
    expect(error).toMatchObject({ code: "DISCOVERY_DNS_FAILED", message: expect.stringMatching(/None of the 1 SRV/) });
    expect(orders.current().instances).toEqual([]);
    orders.close();
    await dns.stop();
  });

  // RFC 2782: "A client MUST attempt to contact the target host with the lowest-numbered priority it can reach";
  // weight 0 has "a very small chance of being selected" beside heavier targets.
  it("carries SRV priority as the instance's priority, and weight 0 as weight 1", async () => {
    await dns.start(
      [
        `--srv-host=${NAME},a.orders.test,8080,20,0`,
        `--srv-host=${NAME},b.orders.test,8081,10,30`,
        "--host-record=a.orders.test,127.0.0.2",
        "--host-record=b.orders.test,127.0.0.3",
      ],
      5,
    );
    const orders = instancer();
    await nextChange(orders);
    const byId = [...orders.current().instances].sort((x, y) => x.id.localeCompare(y.id));
    expect(byId.map((i) => [i.id, i.priority, i.weight])).toEqual([
      ["a.orders.test:8080", 20, 1],
      ["b.orders.test:8081", 10, 30],
    ]);
    orders.close();
    await dns.stop();
  });
});
