import { connect, createServer, type Server } from "node:net";

/** A TCP front on loopback to `target` (a URL) that counts the connections made through it. */
export interface CountingFront {
  readonly server: Server;
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  /** The most open at once so far. */
  peak(): number;
  /** Connections open now. */
  open(): Promise<number>;
}

/** Starts a counting TCP front to `target`'s host and port; close it with `front.server.close()`. */
export async function startCountingFront(target: string): Promise<CountingFront> {
  const { hostname, port } = new URL(target);
  let accepted = 0;
  let live = 0;
  let peak = 0;
  const server = createServer((socket) => {
    accepted++;
    peak = Math.max(peak, ++live);
    socket.once("close", () => live--);
    const upstream = connect(Number(port), hostname);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    server,
    port: (server.address() as { port: number }).port,
    accepted: () => accepted,
    peak: () => peak,
    open: () => new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n))),
  };
}
