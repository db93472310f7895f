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
      minQueryIntervalMs: 200,
    });
    // Seven answers, each a change (the port alternates): events, not a timed wait.
    let changes = 0;
    await new Promise<void>((resolve) =>
      instancer.onChange(() => {
        if (++changes === 7) resolve();
      }),
    );
    instancer.close();
    // Measured where the agent receives them, in this process, so a delay between a query's start and its arrival
    // shortens the gap after it. The first query's arrival carries one-time work (its connection, code run for the
    // first time): with 50 ms spacing and a bound of 35, beside other test files and busy loops, that first gap was
    // 16–45 ms and the later ones 35–60 ms (8 runs; the bound failed 2 runs in 3 of a sweep). So the gaps are taken
    // from the second query on, at 200 ms spacing, which leaves 50 ms for a stall of this process.
    const gaps = agent.starts.slice(2).map((start, i) => start - (agent.starts[i + 1] as number));
    // Timers never fire early: without the spacing the queries came within a few milliseconds.
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(150);
  });

  it("refuses a spacing that is not 0 to 60 000 ms", () => {
    for (const minQueryIntervalMs of [-1, Number.NaN, 60_001]) {
      expect(() => new ConsulInstancer({ consul: { port: 1 }, service: "api", minQueryIntervalMs })).toThrow(
        expect.objectContaining({ code: "DISCOVERY_INVALID_OPTION" }),
      );
    }
  });
});
