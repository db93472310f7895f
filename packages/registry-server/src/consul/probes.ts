import { connect } from "node:net";
import type { CheckStatus } from "./definition.js";

/** What one probe found. */
export interface ProbeResult {
  readonly status: CheckStatus;
  readonly output: string;
}

/** Consul keeps at most 4 KiB of a check's output. */
const MAX_OUTPUT_CHARS = 4096;

/** HTTP 429 means "alive but shedding load": Consul reports it as warning, not critical. */
const TOO_MANY_REQUESTS = 429;

/** Probes an HTTP check as Consul does: 2xx passing, 429 warning, anything else (or no answer) critical. */
export async function probeHttp(
  url: string,
  method: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { method, headers, redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.text()).slice(0, MAX_OUTPUT_CHARS);
    const output = `HTTP ${method} ${url}: ${response.status} ${response.statusText} Output: ${body}`;
    if (response.status >= 200 && response.status < 300) return { status: "passing", output };
    return { status: response.status === TOO_MANY_REQUESTS ? "warning" : "critical", output };
  } catch (error) {
    return { status: "critical", output: `HTTP ${method} ${url}: ${(error as Error).message}` };
  }
}

/** Probes a TCP check: passing when a connection opens within the timeout, else critical. */
export function probeTcp(address: string, timeoutMs: number): Promise<ProbeResult> {
  const at = address.lastIndexOf(":");
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done({ status: "critical", output: `TCP connect ${address}: timed out` }));
    socket.once("connect", () => done({ status: "passing", output: `TCP connect ${address}: Success` }));
    socket.once("error", (error) => done({ status: "critical", output: `TCP connect ${address}: ${error.message}` }));
  });
}
