import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { exited, spawnTs, waitForEvent } from "./testing/child-process.js";

// Field case (found trying the README as a newcomer): `await registrar.register()` with the registry down made the
// service exit with code 13 after the first failure — Node's unsettled top-level await, since every retry timer was
// unref'd. Eureka's Java client keeps the application up and retries registration in the background.
describe("register() while the registry is down (real process)", () => {
  it("keeps the process alive and retrying, reporting each failure, instead of exiting 13", async () => {
    // A port that refuses: bound, then closed.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const child = spawnTs(new URL("./testing/register-down-child.ts", import.meta.url), {
      OUTRIGGER_REGISTRY_URL: `http://127.0.0.1:${port}/eureka`,
    });
    const event = await waitForEvent(child, "still-retrying");
    expect(event.failures).toBe(3);
    expect(await exited(child)).toEqual({ code: 0, signal: null });
  });
});
