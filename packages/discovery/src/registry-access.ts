import type { ConnectionOptions } from "node:tls";
import { Agent, type Dispatcher } from "undici";
import { DiscoveryError } from "./errors.js";

/** A registry token, or a function returning the current one (called before every request, so it may rotate). */
export type TokenSource = string | (() => string | Promise<string>);

/** TLS settings for an `https://` registry: a private CA, a client certificate, a server name. */
export type RegistryTls = Pick<
  ConnectionOptions,
  "ca" | "cert" | "key" | "passphrase" | "pfx" | "servername" | "rejectUnauthorized" | "minVersion"
>;

/** How a client authenticates to a registry and trusts its certificate. Every registry-facing client takes these. */
export interface RegistryAccessOptions {
  /**
   * The registry's token (its `--token`, or `--read-token` for instancers). Sent as `Authorization: Bearer` to an
   * Outrigger or Eureka registry and as `X-Consul-Token` to Consul. It never appears in an error or event.
   */
  readonly token?: TokenSource;
  /** TLS for an `https://` registry URL, e.g. `{ ca: readFileSync("ca.pem") }`. */
  readonly tls?: RegistryTls;
  /** An undici dispatcher (e.g. an `Agent` you configured) to send through instead; `tls` is then ignored. */
  readonly dispatcher?: Dispatcher;
}

/** The current token of a source; a throwing function becomes DISCOVERY_TOKEN_FAILED (without the token). */
export async function currentToken(source: TokenSource): Promise<string> {
  if (typeof source === "string") return source;
  try {
    const token = await source();
    if (typeof token === "string" && token !== "") return token;
  } catch (cause) {
    throw new DiscoveryError("DISCOVERY_TOKEN_FAILED", "The token function threw: check where it reads the token", {
      cause,
    });
  }
  throw new DiscoveryError("DISCOVERY_TOKEN_FAILED", "The token function returned no token: return a non-empty string");
}

/**
 * What one registry client needs to reach its registry: the base URL without userinfo, the headers that carry its
 * credentials, and the dispatcher that trusts its CA. Credentials in the URL (`https://user:secret@host/eureka`, as
 * Spring's Eureka clients are configured) become `Authorization: Basic`, which the Outrigger registry reads as the
 * token. `close()` closes the dispatcher it made.
 */
export class RegistryAccess {
  /** The registry's base URL, without credentials. */
  readonly url: string;
  /** The dispatcher requests go through, when TLS settings or one were given. */
  readonly dispatcher: Dispatcher | undefined;
  readonly #token: TokenSource | undefined;
  readonly #basic: string | undefined;
  readonly #owned: Agent | undefined;

  constructor(registryUrl: string, options: RegistryAccessOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(registryUrl);
    } catch (cause) {
      throw new DiscoveryError("DISCOVERY_INVALID_OPTION", "registryUrl must be an absolute http(s) URL", { cause });
    }
    // Only the protocol is shown: the URL may carry credentials.
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new DiscoveryError(
        "DISCOVERY_INVALID_OPTION",
        `registryUrl must be an http:// or https:// URL, got a ${parsed.protocol} URL: give the registry's HTTP base URL, e.g. http://127.0.0.1:8761/eureka`,
      );
    }
    if (parsed.username || parsed.password) {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.#basic = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      parsed.username = "";
      parsed.password = "";
    }
    this.url = parsed.toString().replace(/\/+$/, "");
    this.#token = options.token;
    this.#owned = options.dispatcher || !options.tls ? undefined : new Agent({ connect: { ...options.tls } });
    this.dispatcher = options.dispatcher ?? this.#owned;
  }

  /** The headers that carry the credentials: `authorization` (Bearer or Basic), or `x-consul-token` for Consul. */
  async headers(style: "bearer" | "consul" = "bearer"): Promise<Record<string, string>> {
    if (this.#token !== undefined) {
      const token = await currentToken(this.#token);
      return style === "consul" ? { "x-consul-token": token } : { authorization: `Bearer ${token}` };
    }
    return this.#basic ? { authorization: this.#basic } : {};
  }

  /** Closes the dispatcher made from `tls` (one passed in stays the caller's). */
  async close(): Promise<void> {
    await this.#owned?.close();
  }
}
