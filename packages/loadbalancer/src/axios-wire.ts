import type { Agent, ClientRequest } from "node:http";
import type { Socket } from "node:net";

/** Bytes of `socket` handed to the kernel so far (not those still buffered in this process). */
function dispatched(socket: Socket): number {
  const internal = (socket as unknown as { _bytesDispatched?: unknown })._bytesDispatched;
  if (typeof internal === "number") return internal;
  return (socket.bytesWritten ?? 0) - socket.writableLength;
}

/** An agent's method bound to it, with the function it was bound from (to notice a method replaced later). */
type Bound = ((...args: unknown[]) => unknown) & { readonly original: unknown };

/** Methods of each agent bound to it once, for every attempt's proxy of it: a bind per property read made garbage. */
const boundMethods = new WeakMap<Agent, Map<PropertyKey, Bound>>();

/**
 * The proxy handler of one attempt's agent: `addRequest` reports the request to the wire, everything else is the
 * agent's own (methods bound to it, so `this` is the real agent). The bound methods are made once per agent.
 */
class WatchingAgent implements ProxyHandler<Agent> {
  readonly #bound: Map<PropertyKey, Bound>;
  readonly addRequest: (request: ClientRequest, options: unknown) => void;

  constructor(wire: Wire, base: Agent) {
    let bound = boundMethods.get(base);
    if (!bound) {
      bound = new Map();
      boundMethods.set(base, bound);
    }
    this.#bound = bound;
    this.addRequest = (request, options) => {
      wire.watch(request);
      (base as unknown as { addRequest(r: unknown, o: unknown): void }).addRequest(request, options);
    };
  }

  get(target: Agent, key: PropertyKey): unknown {
    if (key === "addRequest") return this.addRequest;
    const value = Reflect.get(target, key, target);
    if (typeof value !== "function") return value;
    const known = this.#bound.get(key);
    if (known?.original === value) return known;
    const bound = Object.assign(value.bind(target), { original: value }) as Bound;
    this.#bound.set(key, bound);
    return bound;
  }
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
    return new Proxy(base, new WatchingAgent(this, base));
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

  /** Follows `request` (each hop of a redirected request is one): its host, and the socket it is given. */
  watch(request: ClientRequest): void {
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
