import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { startServer } from "@outrigger/registry-server";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startClient, startInstance } from "./outrigger.fixture.js";
import type { Outrigger } from "./outrigger.js";

/** The code of an error, or of its cause (og.fetch's TypeError wraps the dispatcher's error). */
const codeOf = (error: unknown) => {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code;
};
const messageOf = (error: unknown) => {
  const e = error as { message: string; cause?: { message?: string } };
  return e.cause?.message ?? e.message;
};

// The first call to a service waits for discovery's first answer once, before its first attempt: a per-try timeout
// shorter than clients.waitForInstancesMs used to end that wait inside each attempt, so an unregistered name failed
// with RESILIENCE_TIMEOUT after every try (a newcomer's repro, now these tests),
// and a service that registered a moment later was never reached by that call. The field's version of the fault:
// spring-cloud/spring-cloud-netflix#3042 and #1783 (a first request's HystrixTimeoutException while Ribbon's lazily
// made client fetched its server list inside the command's timeout) and #1334 (which led to Ribbon's eager load;
// here `clients.eagerLoad`, eager-load.test.ts).
describe("a service's first call waits for discovery as a call, not inside an attempt", () => {
  let registry: Awaited<ReturnType<typeof startServer>>;
  let registryUrl: string;
  const started: Outrigger[] = [];
  const client = async (clients: Record<string, unknown>) => {
    const og = await startClient(registryUrl, clients);
    started.push(og);
    return og;
  };
  const shortTries = { timeout: { perTryMs: 100, totalMs: 10_000 }, retry: { maxAttempts: 3 } };

  beforeAll(async () => {
    registry = await startServer({ port: 0 });
    registryUrl = `${registry.url}/eureka`;
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((og) => og.close()));
  });
  afterAll(async () => {
    await registry.close();
  });

  it("an unregistered name is OUTRIGGER_UNKNOWN_SERVICE on og.http, og.fetch and og.dispatcher, not RESILIENCE_TIMEOUT", async () => {
    const og = await client({ waitForInstancesMs: 500, defaults: shortTries });
    const http = og.http.get("lb://ghost-http/items").catch((e: unknown) => e);
    const fetched = og.fetch("lb://ghost-fetch/items").catch((e: unknown) => e);
    const direct = request("http://ghost-undici/items", { dispatcher: og.dispatcher }).catch((e: unknown) => e);
    for (const [error, name] of [
      [await http, "ghost-http"],
      [await fetched, "ghost-fetch"],
      [await direct, "ghost-undici"],
    ] as const) {
      expect(codeOf(error)).toBe("OUTRIGGER_UNKNOWN_SERVICE");
      expect(messageOf(error)).toContain(`No instance of "${name}" was known to the registry after 500 ms`);
    }
  });

  it("a service that registers after three per-try timeouts' worth of time still answers the call that waited", async () => {
    const og = await client({ waitForInstancesMs: 10_000, defaults: shortTries });
    const http = og.http.get("lb://late/items");
    const fetched = og.fetch("lb://late/items");
    let settled = 0;
    for (const call of [http, fetched])
      call.then(
        () => settled++,
        () => settled++,
      );
    // At least 3 × perTryMs (timers never fire early): the old code had failed both calls by now, before the
    // instance existed; both still wait.
    await delay(400);
    expect(settled).toBe(0);
    const instance = await startInstance("late", registryUrl, () => "from late");
    try {
      expect((await http).data).toBe("from late");
      expect(await (await fetched).text()).toBe("from late");
    } finally {
      await instance.og.close();
      instance.server.close();
    }
  });

  it("a call's timeout.totalMs below the wait ends that call alone, remembering nothing", async () => {
    const og = await client({
      waitForInstancesMs: 10_000,
      unknownServiceCacheMs: 60_000,
      services: { slowpoke: { timeout: { perTryMs: 50, totalMs: 200 } } },
    });
    const first = await og.http.get("lb://slowpoke/a").catch((e: unknown) => e);
    expect(codeOf(first)).toBe("OUTRIGGER_UNKNOWN_SERVICE");
    expect(messageOf(first)).toContain(`within this call's 200 ms (timeout.totalMs)`);
    // Not refused from the negative cache: the next call waits again (the shared wait goes on) and ends the same way.
    const second = await og.http.get("lb://slowpoke/b").catch((e: unknown) => e);
    expect(messageOf(second)).toContain(`within this call's 200 ms (timeout.totalMs)`);
    expect(messageOf(second)).not.toContain("remembered");
    const instance = await startInstance("slowpoke", registryUrl, () => "here");
    try {
      // Once the watch has the instance the call goes through: the name was never remembered as unknown.
      const answer = () => og.http.get("lb://slowpoke/c").then((r) => r.data as string, messageOf);
      await expect.poll(answer, { timeout: 5_000 }).toBe("here");
    } finally {
      await instance.og.close();
      instance.server.close();
    }
  });

  it("a caller's abort ends its own wait at once; another call's wait goes on and is answered", async () => {
    const og = await client({ waitForInstancesMs: 10_000 });
    const controller = new AbortController();
    const aborted = og.fetch("lb://shared/a", { signal: controller.signal }).catch((e: unknown) => e);
    const patient = og.http.get("lb://shared/b");
    controller.abort(new Error("caller left"));
    expect(messageOf(await aborted)).toBe("caller left");
    const instance = await startInstance("shared", registryUrl, () => "shared ok");
    try {
      expect((await patient).data).toBe("shared ok");
    } finally {
      await instance.og.close();
      instance.server.close();
    }
  });

  it("a registry that cannot be reached is OUTRIGGER_REGISTRY_UNREACHABLE, not unknown: no password shown, nothing remembered", async () => {
    // A port nothing listens on (taken, then freed): every registry request is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const og = await startClient(`http://eureka:s3cret-pw@127.0.0.1:${port}/eureka`, {
      waitForInstancesMs: 300,
      unknownServiceCacheMs: 60_000,
    });
    started.push(og);
    for (let i = 0; i < 2; i++) {
      const error = await og.http.get("lb://inventory/items").catch((e: unknown) => e);
      expect(codeOf(error)).toBe("OUTRIGGER_REGISTRY_UNREACHABLE");
      expect(messageOf(error)).toContain('The registry did not answer about "inventory" within 300 ms');
      expect(messageOf(error)).toContain("check outrigger.registry.url");
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain("s3cret-pw");
    }
  });

  it("within clients.unknownServiceCacheMs a refused name's message says it was remembered and not looked up", async () => {
    const og = await client({ waitForInstancesMs: 100, unknownServiceCacheMs: 60_000 });
    const first = await og.http.get("lb://nobody/a").catch((e: unknown) => e);
    expect(messageOf(first)).toContain('No instance of "nobody" was known to the registry after 100 ms');
    const again = await og.http.get("lb://nobody/a").catch((e: unknown) => e);
    expect(codeOf(again)).toBe("OUTRIGGER_UNKNOWN_SERVICE");
    expect(messageOf(again)).toMatch(
      /a moment ago, within 100 ms; the answer is remembered \(clients\.unknownServiceCacheMs\) for \d+ ms more, and no lookup was made for this request: check the name in lb:\/\/nobody\//,
    );
  });
});
