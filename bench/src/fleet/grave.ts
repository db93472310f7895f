import { type AddressInfo, createServer, type Server } from "node:net";
import { epochMs } from "../proc/clock.js";

/** What a killed instance's port saw after the kill: connection attempts and the last one (epoch ms, sub-ms). */
export interface GraveRecord {
  readonly port: number;
  /** When the recorder took the port over (epoch ms). */
  readonly openedAt: number;
  readonly attempts: number;
  /** The last attempt's time (epoch ms); NaN when nothing came. */
  readonly lastAt: number;
}

/**
 * Takes over a killed instance's traffic port and records every connection made to it, resetting each at once (a
 * dead instance answers nothing). Active checks go to the instance's health port, which stays closed, so every
 * connection here is a request attempt, whichever side (SDK or sidecar) made it: the same instrument for both.
 * A crashed process would refuse instead of accept-and-reset; both are connection failures that each side retries
 * elsewhere and counts against the instance.
 */
export class Grave {
  #attempts = 0;
  #lastAt = Number.NaN;

  private constructor(
    readonly server: Server,
    readonly port: number,
    readonly openedAt: number,
  ) {
    server.on("connection", (socket) => {
      this.#attempts += 1;
      this.#lastAt = epochMs();
      socket.resetAndDestroy();
    });
  }

  /** Listens on `port` (on 127.0.0.1), free once its owner died; resolves when it listens. */
  static async open(port: number): Promise<Grave> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
    return new Grave(server, (server.address() as AddressInfo).port, epochMs());
  }

  record(): GraveRecord {
    return { port: this.port, openedAt: this.openedAt, attempts: this.#attempts, lastAt: this.#lastAt };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
