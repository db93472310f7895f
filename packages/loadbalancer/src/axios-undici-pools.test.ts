import { once } from "node:events";
import type { Socket } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import { RoundRobinRule } from "./round-robin.js";
import { instance } from "./test-support.js";
import { fieldInstance, ok } from "./undici-field-fixture.js";

describe("createLbAxios on its undici transport: one pool per instance, closed when the instance leaves", () => {
  it("closes the connection of an instance that left its instancer's set; the one that stays keeps its own", async () => {
    const [a, b] = await Promise.all([fieldInstance(ok), fieldInstance(ok)]);
    const sockets = new Map<number, Socket[]>([
      [a.port, []],
      [b.port, []],
    ]);
    for (const s of [a, b]) s.server.on("connection", (socket: Socket) => sockets.get(s.port)?.push(socket));
    const instancer = new FixedInstancer([instance("i0", "UP", a.port), instance("i1", "UP", b.port)]);
    const balancer = createBalancer({ instancer, rule: new RoundRobinRule({ random: () => 0 }) });
    const http = createLbAxios({
      balancer: (service) => (service === "svc" ? balancer : undefined),
      instancer: () => instancer,
      transport: "undici",
    });
    const answers = await Promise.all([http.get("lb://svc/1"), http.get("lb://svc/2")]);
    expect(answers.map((r) => r.data)).toEqual(["ok", "ok"]);
    expect([a.seen.requests.length, b.seen.requests.length]).toEqual([1, 1]);
    const [leaving] = sockets.get(b.port) ?? [];
    expect(leaving?.destroyed).toBe(false);
    instancer.set([instance("i0", "UP", a.port)]);
    if (leaving && !leaving.destroyed) await once(leaving, "close");
    expect(leaving?.destroyed).toBe(true);
    expect(sockets.get(a.port)?.every((socket) => !socket.destroyed)).toBe(true);
    balancer.close();
    await Promise.all([a.close(), b.close()]);
  });
});
