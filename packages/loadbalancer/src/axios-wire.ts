import type { Agent, ClientRequest } from "node:http";
import type { Socket } from "node:net";

/** Bytes of `socket` handed to the kernel so far (not those still buffered in this process). */
function dispatched(socket: Socket): number {
  const internal = (socket as unknown as { _bytesDispatched?: unknown })._bytesDispatched;
  if (typeof internal === "number") return internal;
  return (socket.bytesWritten ?? 0) - socket.writableLength;
}

/**
 * Watches the socket of one attempt's request to tell whether the request left this process: `sent` is false
 * when no connection was established (refused, unreachable, DNS, connect timeout) or when not one byte of this
 * request reached the kernel. Only then may a non-idempotent request go to another instance: an ECONNRESET or
 * EPIPE after bytes were written means the server may have processed it (Node's docs on `request.reusedSocket`).
 */
export class Wire {
  #socket: Socket | undefined;
  #connected = false;
  #base = 0;
  #firstHost: unknown;
  #lastHost: unknown;

  /** An agent that behaves as `base` and reports each request it is given to this wire. */
  agent(base: Agent): Agent {
    const watch = (request: ClientRequest) => this.#watch(request);
    return new Proxy(base, {
      get(target, key) {
        if (key === "addRequest") {
          return (request: ClientRequest, options: unknown) => {
            watch(request);
            return (target as unknown as { addRequest(r: unknown, o: unknown): void }).addRequest(request, options);
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** True once any byte of the request reached the kernel on an established connection. */
  get sent(): boolean {
    const socket = this.#socket;
    return socket !== undefined && this.#connected && dispatched(socket) > this.#base;
  }

  /**
   * True when follow-redirects sent a later hop of this request to another host than the instance: the instance
   * answered (a redirect), so the target's failure is not the instance's.
   */
  get redirectedAway(): boolean {
    return this.#lastHost !== this.#firstHost;
  }

  #watch(request: ClientRequest): void {
    const host = request.getHeader("host");
    this.#firstHost ??= host;
    this.#lastHost = host;
    request.once("socket", (socket: Socket) => {
      this.#socket = socket;
      this.#base = dispatched(socket);
      this.#connected = !socket.connecting;
      if (socket.connecting) {
        socket.once("connect", () => {
          this.#connected = true;
        });
      }
    });
  }
}
