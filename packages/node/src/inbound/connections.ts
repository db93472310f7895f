import type { Socket } from "node:net";

/**
 * The sockets requests arrived on and how many of their requests are still answering, so drain can close
 * kept-alive connections busy when it starts as their last response ends. `server.close()` alone keeps
 * a keep-alive connection open as long as its client keeps using it (nodejs/node#12259, nodejs/help#3701), and the
 * middleware does not own the server.
 */
export class Connections {
  readonly #open = new Map<Socket, number>();
  #draining = false;

  /** A request on `socket` started. */
  begin(socket: Socket | null): void {
    if (!socket || socket.destroyed) return;
    const count = this.#open.get(socket);
    if (count === undefined) socket.once("close", () => this.#open.delete(socket));
    this.#open.set(socket, (count ?? 0) + 1);
  }

  /** A request on `socket` ended; during drain its connection closes once nothing else is answering on it. */
  end(socket: Socket | null): void {
    const count = socket ? this.#open.get(socket) : undefined;
    if (!socket || count === undefined) return;
    this.#open.set(socket, count - 1);
    if (this.#draining && count === 1) socket.end();
  }

  /**
   * Start draining: the busy connections end as they go idle. Idle ones are left open: their client may be writing
   * its next request right now and would see the connection cut; that request gets 503 with `Connection: close`, and
   * a connection nobody uses again closes at the server's keep-alive timeout, which its client knows.
   */
  drain(): void {
    this.#draining = true;
  }

  /** Connections known and still open (for tests and metrics). */
  get size(): number {
    return this.#open.size;
  }
}
