import { Agent as HttpsAgent } from "node:https";
import Consul from "consul";
import { currentToken, type RegistryTls, type TokenSource } from "./registry-access.js";

/** Where a Consul agent listens, and how to authenticate to it. */
export interface ConsulAddress {
  readonly host?: string;
  readonly port?: number;
  /** Speak HTTPS (implied by `tls`). */
  readonly secure?: boolean;
  /**
   * The ACL token (or a function returning the current one, called before every request), sent as
   * `X-Consul-Token`. It never appears in an error or event.
   */
  readonly token?: TokenSource;
  /** TLS for an HTTPS agent, e.g. `{ ca: readFileSync("ca.pem") }`. */
  readonly tls?: RegistryTls;
}

/** The request `papi` (the `consul` package's HTTP layer) hands to an `onCreate` extension. */
interface PapiRequest {
  opts: { headers: Record<string, string> };
}

/**
 * A `consul` client for an address, or the client given as is. A token function is resolved before each request
 * (through papi's `onCreate` extension), so a rotated token is used from the next request on.
 */
export function consulClient(address: ConsulAddress | Consul | undefined): Consul {
  if (address instanceof Consul) return address;
  const { token, tls, ...where } = address ?? {};
  const client = new Consul({
    ...where,
    ...(tls ? { secure: where.secure ?? true, agent: new HttpsAgent({ keepAlive: true, ...tls }) } : {}),
  });
  if (token !== undefined) {
    const extensible = client as unknown as {
      _ext(event: "onCreate", fn: (request: PapiRequest, next: (error?: Error) => void) => void): void;
    };
    extensible._ext("onCreate", (request, next) => {
      currentToken(token).then(
        (value) => {
          request.opts.headers["x-consul-token"] = value;
          next();
        },
        (error: Error) => next(error),
      );
    });
  }
  return client;
}

/** Closes the sockets of a client `consulClient` made; a client the caller passed in stays the caller's. */
export function releaseClient(address: ConsulAddress | Consul | undefined, client: Consul): void {
  if (!(address instanceof Consul)) client.destroy();
}
