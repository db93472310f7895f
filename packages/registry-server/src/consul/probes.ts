import { connect } from "node:net";
import { redactSecrets } from "@outrigger/core";
import { CHECK_OUTPUT_MAX_BYTES } from "./check-limits.js";
import type { CheckStatus } from "./definition.js";

/** What one probe found. */
export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

/** HTTP 429 means "alive but shedding load": Consul reports it as warning, not critical. */
const TOO_MANY_REQUESTS = 429;

/**
 * Reads at most `max` bytes of a body and cancels the rest, so a target answering a gigabyte (or an endless
 * stream) costs the registry a few KiB. Consul keeps the same 4 KiB (`circbuf` of `DefaultBufSize`).
 */
async function readCapped(body: ReadableStream<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return "";
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    // Stop the download (and free the socket) whether we read enough, timed out or failed.
    void reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString();
}

/**
 * Probes an HTTP check as Consul does: 2xx passing, 429 warning, anything else (or no answer) critical. The
 * timeout covers the whole probe, the body included, and at most 4 KiB of the body is read.
 */
export async function probeHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<ProbeResult> {
  // Output is read by anyone with read access: it never shows the target's credentials.
  const shown = redactSecrets(url);
  try {
    const signal = AbortSignal.timeout(timeoutMs);
    const target = withoutUserinfo(url, headers);
    const response = await fetch(target.url, { method, headers: target.headers, redirect: "follow", signal });
    const body = await readCapped(response.body, CHECK_OUTPUT_MAX_BYTES);
    const output = `HTTP ${method} ${shown}: ${response.status} ${response.statusText} Output: ${body}`;
    if (response.status >= 200 && response.status < 300) return { status: "passing", output };
    return { status: response.status === TOO_MANY_REQUESTS ? "warning" : "critical", output };
  } catch (error) {
    return { status: "critical", output: `HTTP ${method} ${shown}: ${redactSecrets((error as Error).message)}` };
  }
}

/**
 * `fetch` refuses a URL with credentials (`http://user:pass@host/`), which Consul's checks accept: Go's HTTP client
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
