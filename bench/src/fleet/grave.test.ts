import { type AddressInfo, connect, createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { Grave } from "./grave.js";

/** Connects to `port` and resolves with the error code the connection ended with (or "closed"). */
function attempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    socket.once("close", () => resolve("closed"));
  });
}

describe("grave: the recorder on a dead instance's port", () => {
  it("takes the port over once its owner is gone, resets every connection and records it", async () => {
    const owner = createServer();
    await new Promise<void>((resolve) => owner.listen(0, "127.0.0.1", resolve));
    const port = (owner.address() as AddressInfo).port;
    await new Promise<void>((resolve) => owner.close(() => resolve()));
    expect(await attempt(port)).toBe("ECONNREFUSED");

    const grave = await Grave.open(port);
    try {
      expect(grave.record()).toMatchObject({ port, attempts: 0 });
      expect(grave.record().lastAt).toBeNaN();
      expect(await attempt(port)).toBe("ECONNRESET");
      expect(await attempt(port)).toBe("ECONNRESET");
      const record = grave.record();
      expect(record.attempts).toBe(2);
      expect(record.lastAt).toBeGreaterThanOrEqual(record.openedAt);
    } finally {
      await grave.close();
    }
  });
});
