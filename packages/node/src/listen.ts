import type { Server } from "node:http";
import { OutriggerNodeError } from "./errors.js";

/**
 * Listens `server` on `port`; a port already taken is OUTRIGGER_PORT_IN_USE naming the option (`what`) to change,
 * other listen errors as they are.
 */
export function listenOn(server: Server, port: number, host: string | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") return reject(error);
      reject(
        new OutriggerNodeError(
          "OUTRIGGER_PORT_IN_USE",
          `Port ${port} is in use (another process, or another instance of this service on this host): stop it, or give ${what} another value (0 takes a free port).`,
          { cause: error },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
