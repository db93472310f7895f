// hashicorp/consul#1244 ("blocking calls never block, resulting in request flooding"): an agent, or a proxy in front
// of it, that answers a blocking query at once. The `consul` watch sends the next query the moment an answer
// arrives; the instancer spaces them (consul-template's ~1 per 100 ms, hashicorp/consul-template#1279).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ConsulInstancer } from "./consul-instancer.js";

const answer = (index: number) =>
  JSON.stringify([
    {
      Node: { Node: "n1", Address: "127.0.0.1" },
      Service: { ID: "api-1", Service: "api", Address: "127.0.0.1", Port: 9000 + (index % 2), Tags: [] },
      Checks: [{ Status: "passing" }],
    },
  ]);

let server: Server | undefined;
afterEach(async () => {
  const open = server;
  server = undefined;
  if (!open) return;
  open.closeAllConnections();
  await new Promise((resolve) => open.close(resolve));
});

/** A fake agent that never blocks: every answer at once, with a new index (a change) each time. */
async function neverBlocking() {
  const starts: number[] = [];
  const agent = createServer((_request, response) => {
    starts.push(performance.now());
    response.writeHead(200, { "content-type": "application/json", "x-consul-index": String(starts.length) });
    response.end(answer(starts.length));
  });
  server = agent;
  await new Promise<void>((resolve) => agent.listen(0, "127.0.0.1", resolve));
  return { port: (agent.address() as AddressInfo).port, starts };
}

describe("ConsulInstancer against an agent that does not block", () => {
  it("starts its queries at least minQueryIntervalMs apart instead of flooding the agent", async () => {
    const agent = await neverBlocking();
    const instancer = new ConsulInstancer({
      consul: { host: "127.0.0.1", port: agent.port },
      service: "api",
      minQueryIntervalMs: 50,
    });
    // Six answers, each a change (the port alternates): events, not a timed wait.
    let changes = 0;
    await new Promise<void>((resolve) =>
      instancer.onChange(() => {
        if (++changes === 6) resolve();
      }),
    );
    instancer.close();
    const gaps = agent.starts.slice(1).map((start, i) => start - (agent.starts[i] as number));
    // Timers never fire early: without the spacing the six queries came within a few milliseconds.
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    // Measured where the agent receives them; a connection set-up can shift one arrival by a few ms.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(35);
  });

  it("refuses a spacing that is not 0 to 60 000 ms", () => {
    for (const minQueryIntervalMs of [-1, Number.NaN, 60_001]) {
      expect(() => new ConsulInstancer({ consul: { port: 1 }, service: "api", minQueryIntervalMs })).toThrow(
        expect.objectContaining({ code: "DISCOVERY_INVALID_OPTION" }),
      );
    }
  });
});
