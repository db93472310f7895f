import { getEventListeners } from "node:events";
import { Agent, get } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildApp } from "../app.js";
import { RUN_TAGS } from "../consul/consul-index.js";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { registration } from "../test-fixtures.js";
import type { LongPollAdmission } from "./long-poll-admission.js";

const closingKey = Symbol.for("outrigger.registry.closing");
const admissionKey = Symbol.for("outrigger.registry.longPollAdmission");

/** One GET on its own socket; resolves with the status and the index header. */
function fetchHeld(agent: Agent, url: string): Promise<{ status: number; index: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.once("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          index: String(res.headers["x-consul-index"] ?? res.headers["x-outrigger-index"]),
        }),
      );
    }).once("error", reject);
  });
}

describe("held requests cost no listener on a shared signal (real HTTP)", () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  afterEach(() => {
    process.off("warning", onWarning);
  });

  it("1 000 Consul blocking queries and 200 watches leave at most one listener on the closing signal, none after", async () => {
    process.on("warning", onWarning);
    const registry = new Registry();
    registry.register(parseRegistration(registration("w-1", { app: "WEB" }), "WEB", Date.now()));
    const app = buildApp({
      registry,
      logLevel: false,
      limits: { maxLongPolls: 0, maxLongPollsPerClient: 0, maxConnectionsPerIp: 0 },
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
    try {
      const closing = (app as unknown as Record<symbol, AbortSignal>)[closingKey] as AbortSignal;
      const admission = (app as unknown as Record<symbol, LongPollAdmission>)[admissionKey] as LongPollAdmission;
      const consulIndex = (await fetchHeld(agent, `${url}/v1/health/service/web`)).index;
      const watchIndex = (await fetchHeld(agent, `${url}/outrigger/watch/apps/WEB`)).index;
      const answers = [
        ...Array.from({ length: 1_000 }, () =>
          fetchHeld(agent, `${url}/v1/health/service/web?index=${consulIndex}&wait=1m`),
        ),
        ...Array.from({ length: 200 }, () =>
          fetchHeld(agent, `${url}/outrigger/watch/apps/WEB?index=${watchIndex}&wait=1m`),
        ),
      ];
      await vi.waitFor(() => expect(admission.held).toBe(1_200), { timeout: 20_000, interval: 20 });
      expect(getEventListeners(closing, "abort").length).toBeLessThanOrEqual(1);

      registry.register(parseRegistration(registration("w-2", { app: "WEB" }), "WEB", Date.now()));
      const done = await Promise.all(answers);
      expect(done.every((answer) => answer.status === 200)).toBe(true);
      // One write: every woken Consul query answers the same next index (a lone registry's indexes step by
      // RUN_TAGS, see ConsulIndex).
      expect(new Set(done.slice(0, 1_000).map((answer) => answer.index))).toEqual(
        new Set([String(Number(consulIndex) + RUN_TAGS)]),
      );
      await vi.waitFor(() => expect(admission.held).toBe(0), { timeout: 5_000, interval: 20 });
      expect(getEventListeners(closing, "abort")).toEqual([]);
      expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
    } finally {
      agent.destroy();
      await app.close();
    }
  }, 60_000);
});
