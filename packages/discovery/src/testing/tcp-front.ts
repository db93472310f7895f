import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP forwarder on a loopback port, standing for what sits between clients and a registry (a proxy, a Kubernetes
 * Service): every new connection goes to the port `target` names at that moment, so a test can move the address to
 * a new registry process while old connections stay where they were. It counts the sockets clients open, as a
 * server's `connection` event does.
 */
export class TcpFront {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  /** The port new connections are forwarded to. */
  target: number;
  /** Connections accepted so far. */
  accepted = 0;
  /** The most connections open at once. */
  peak = 0;

  private constructor(target: number) {
    this.target = target;
    this.#server = createServer((socket) => {
      this.accepted += 1;
      this.#sockets.add(socket);
      this.peak = Math.max(this.peak, this.#sockets.size);
      const upstream = connect(this.target, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      const end = (): void => {
        this.#sockets.delete(socket);
        socket.destroy();
        upstream.destroy();
      };
      socket.on("error", end).on("close", end);
      upstream.on("error", end).on("close", end);
    });
  }

  /** Listens on a free loopback port, forwarding to `target`. */
  static async open(target: number): Promise<TcpFront> {
    const front = new TcpFront(target);
    await new Promise<void>((resolve) => front.#server.listen(0, "127.0.0.1", resolve));
    return front;
  }

  /** The front's own port. */
  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Connections open now. */
  get open(): number {
    return this.#sockets.size;
  }

  /** Stops listening and ends every forwarded connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
