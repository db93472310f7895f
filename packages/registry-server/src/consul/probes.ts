import { STATUS_CODES } from "node:http";
import { connect } from "node:net";
import type { Readable } from "node:stream";
import { redactSecrets } from "@outrigger/core";
import { Agent, type Dispatcher, request } from "undici";
import type { CheckStatus } from "./definition.js";
import type { HttpCheckOptions } from "./http-check-options.js";

/** What one probe found. */
export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

/** HTTP 429 means "alive but shedding load": Consul reports it as warning, not critical. */
const TOO_MANY_REQUESTS = 429;

/**
 * Reads at most `max` bytes of a body and destroys the rest, so a target answering a gigabyte (or an endless
 * stream) costs the registry a few KiB. Consul keeps the same 4 KiB by default (`circbuf` of `OutputMaxSize`).
 */
async function readCapped(body: Readable, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= max) break;
    }
  } finally {
    // Stop the download (and free the socket) whether we read enough, timed out or failed.
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, max).toString();
}

/** What one HTTP probe sends: a check's target, method, headers and timeout, and the rest of Consul's `CheckHTTP`. */
export type HttpProbe = {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
} & HttpCheckOptions;

/** Go's http.Client follows at most 10 redirects (net/http client.go `defaultCheckRedirect`), Consul's default. */
const MAX_REDIRECTS = 10;

/**
 * Probes an HTTP check as Consul's `CheckHTTP` does (agent/checks/check.go): 2xx passing, 429 warning, anything
 * else (or no answer) critical; a new connection for every probe — Consul turns keep-alive off "to prevent failing
 * checks due to the keepalive interval" (a reused socket the target closed failed every few probes and the check
 * flapped: hashicorp/consul#779, #824) — so a probe goes on its own undici Agent with pipelining 0, closed after it;
 * `User-Agent: Consul Health Check` and Consul's `Accept` (plain text first) unless the check sets them; its `Body`;
 * redirects followed (at most 10) unless `DisableRedirects`; its TLS settings. The timeout covers the whole probe,
 * the body included, and at most `outputMaxBytes` of the body is read.
 */
export async function probeHttp(probe: HttpProbe): Promise<ProbeResult> {
  const { method, timeoutMs } = probe;
  // Output is read by anyone with read access: it never shows the target's credentials.
  const shown = redactSecrets(probe.url);
  const agent = new Agent({
    pipelining: 0,
    connect: {
      rejectUnauthorized: !probe.tlsSkipVerify,
      ...(probe.tlsServerName !== undefined ? { servername: probe.tlsServerName } : {}),
    },
  });
  try {
    const target = withoutUserinfo(probe.url, withConsulDefaults(probe.headers));
    const response = await request(target.url, {
      method: method as Dispatcher.HttpMethod,
      headers: target.headers,
      ...(probe.body !== "" ? { body: probe.body } : {}),
      maxRedirections: probe.disableRedirects ? 0 : MAX_REDIRECTS,
      signal: AbortSignal.timeout(timeoutMs),
      dispatcher: agent,
    });
    const status = response.statusCode;
    const body = await readCapped(response.body, probe.outputMaxBytes);
    const output = `HTTP ${method} ${shown}: ${status} ${STATUS_CODES[status] ?? ""} Output: ${body}`;
    if (status >= 200 && status < 300) return { status: "passing", output };
    return { status: status === TOO_MANY_REQUESTS ? "warning" : "critical", output };
  } catch (error) {
    return { status: "critical", output: `HTTP ${method} ${shown}: ${redactSecrets((error as Error).message)}` };
  } finally {
    void agent.destroy().catch(() => undefined);
  }
}

/** Consul's defaults for headers a check does not set (agent/checks/check.go `CheckHTTP.check`). */
function withConsulDefaults(headers: Record<string, string>): Record<string, string> {
  const names = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  return {
    ...(names.has("user-agent") ? {} : { "user-agent": "Consul Health Check" }),
    ...(names.has("accept") ? {} : { accept: "text/plain, text/*, */*" }),
    ...headers,
  };
}

/**
 * undici refuses a URL with credentials (`http://user:pass@host/`), which Consul's checks accept: Go's HTTP client
 * sends them as Basic authorization unless the check sets an `Authorization` header itself (`net/http`
 * `client.go`, `send`). The same here: the userinfo leaves the URL and becomes the header.
 */
function withoutUserinfo(
  url: string,
  headers: Record<string, string>,
): { readonly url: string; readonly headers: Record<string, string> } {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url, headers };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = "";
  parsed.password = "";
  const hasAuthorization = Object.keys(headers).some((name) => name.toLowerCase() === "authorization");
  return {
    url: parsed.href,
    headers: hasAuthorization
      ? headers
      : { ...headers, authorization: `Basic ${Buffer.from(credentials).toString("base64")}` },
  };
}

/** Probes a TCP check: passing when a connection opens within the timeout, else critical. */
export function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    // connect() throws at once on a port it cannot use (registration refuses those; this is the second guard).
    let socket: ReturnType<typeof connect>;
    try {
      socket = connect({ host, port });
    } catch (error) {
      resolve({ status: "critical", output: `TCP connect ${address}: ${(error as Error).message}` });
      return;
    }
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ status: "critical", output: `TCP connect ${address}: timed out` }));
    socket.once("connect", () => done({ status: "passing", output: `TCP connect ${address}: Success` }));
    socket.once("error", (error) => done({ status: "critical", output: `TCP connect ${address}: ${error.message}` }));
  });
}
