// Test helpers of @outrigger/core (not exported from the package): a real loopback TCP pair and a real stall.
import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";

/** Blocks this thread for `ms` (a GC pause or a descheduled process, as the event loop sees it). */
export const stall = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/** A loopback TCP pair: `server` writes, `client` reads (real sockets, port 0). */
export async function socketPair(): Promise<{ server: Socket; client: Socket; close(): void }> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const accepted = once(listener, "connection");
  const client = connect((listener.address() as AddressInfo).port, "127.0.0.1");
  await once(client, "connect");
  const [server] = (await accepted) as [Socket];
  return {
    server,
    client,
    close: () => {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}
