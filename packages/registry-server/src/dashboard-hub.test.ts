import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "./server.js";
import { registration } from "./test-fixtures.js";

/** Opens a dashboard stream and collects its events as they arrive. */
function stream(url: string): Promise<{
  status: number;
  events: { type: string; data: Record<string, unknown> }[];
  next: () => Promise<void>;
  close: () => void;
}> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/outrigger/events`, (res) => {
      const events: { type: string; data: Record<string, unknown> }[] = [];
      let buffer = "";
      let waiting: (() => void) | undefined;
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(block)?.[1] ?? "";
          const data = /^data: (.*)$/m.exec(block)?.[1] ?? "{}";
          events.push({ type, data: JSON.parse(data) as Record<string, unknown> });
          waiting?.();
          end = buffer.indexOf("\n\n");
        }
      });
      res.on("error", () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        events,
        next: () =>
          new Promise((done) => {
            waiting = done;
          }),
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dashboard streams: one encoding for all, diffs, caps (real sockets)", () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("starts each stream with a full state, then sends only the instance that changed", async () => {
    server = await startServer({ port: 0 });
    const post = (id: string) =>
      fetch(`${server?.url}/eureka/apps/HELLO`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(registration(id)),
      });
    for (let i = 0; i < 50; i += 1) await post(`i-${i}`);
    const a = await stream(server.url);
    const b = await stream(server.url);
    expect(a.events[0]?.type).toBe("state");
    expect(a.events[0]?.data.applications).toHaveLength(1);
    const [nextA, nextB] = [a.next(), b.next()];
    await post("i-new");
    await Promise.all([nextA, nextB]);
    for (const s of [a, b]) {
      const diff = s.events.at(-1);
      expect(diff?.type).toBe("diff");
      expect(Object.keys(diff?.data.instances as object)).toEqual(["HELLO/i-new"]);
      expect(diff?.data.instanceCount).toBe(51);
    }
    const gone = a.next();
    await fetch(`${server.url}/eureka/apps/HELLO/i-3`, { method: "DELETE" });
    await gone;
    expect(a.events.at(-1)?.data.instances).toEqual({ "HELLO/i-3": null });
    a.close();
    b.close();
  });

  it("answers 429 past the per-address cap, and admits again once a stream closes", async () => {
    server = await startServer({ port: 0, maxDashboardStreamsPerIp: 2 });
    const open = [await stream(server.url), await stream(server.url)];
    expect(open.map((s) => s.status)).toEqual([200, 200]);
    const refused = await fetch(`${server.url}/outrigger/events`);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe("REGISTRY_TOO_MANY_STREAMS");
    open[0]?.close();
    let again = await stream(server.url);
    // The close reaches the server asynchronously; a stream is admitted as soon as it has.
    while (again.status === 429) {
      again.close();
      again = await stream(server.url);
    }
    expect(again.status).toBe(200);
    again.close();
    open[1]?.close();
  });
});
