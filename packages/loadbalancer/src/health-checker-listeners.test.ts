import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { FixedInstancer } from "@outrigger/discovery";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHealthChecker } from "./health-checker.js";
import { instance } from "./test-support.js";

// Field case (issue 13, item 3): each probe in flight added an abort listener to one shared signal, so a checker
// with more than ten probes in flight raised Node's MaxListenersExceededWarning on every round.
describe("health checks with many probes in flight", () => {
  let server: Server;
  let port = 0;
  const held: IncomingMessage[] = [];
  let arrived: () => void = () => {};
  beforeAll(async () => {
    // Holds every probe until the test lets go, so all of them are in flight at once.
    server = createServer((request) => {
      held.push(request);
      if (held.length === 24) arrived();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it("24 probes in flight, then closed: no MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const fleet = Array.from({ length: 24 }, (_, i) => instance(`i${i}`, "UP", port));
      const checker = createHealthChecker(new FixedInstancer(fleet), { intervalMs: 3_600_000, timeoutMs: 60_000 });
      const all = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const round = checker.checkNow();
      await all;
      checker.close(); // aborts the 24 probes in flight
      await round;
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
