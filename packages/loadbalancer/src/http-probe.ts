import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { ServiceInstance } from "@outrigger/discovery";
import { instanceUrl } from "./lb-url.js";

/** How one probe went: passed or not, with the status or the error that decided it. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: Error;
}

/** Probes one instance; must settle once `signal` aborts (the checker aborts it at `timeoutMs`). */
export type Probe = (instance: ServiceInstance, signal: AbortSignal) => Promise<ProbeResult>;

/** Statuses a probe accepts, both ends included. */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The default probe: `GET path` on the instance's own URL (`instanceUrl`, as requests use it, so an IPv6 host is
 * probed where requests go), on a fresh connection each time (`agent: false`), as HAProxy's and Envoy's checks
 * do: a pooled keep-alive socket could answer for a process whose listener is already gone, and a probe must not
 * take a socket from the application's pool.
 */
export function httpProbe(path: string, expected: StatusRange): Probe {
  return (instance, signal) =>
    new Promise<ProbeResult>((resolve) => {
      const send = instance.secure ? httpsRequest : httpRequest;
      const request = send(
        instanceUrl(instance, path),
        {
          method: "GET",
          agent: false,
          signal,
          headers: { "user-agent": "outrigger-health-check", connection: "close" },
        },
        (response) => {
          const status = response.statusCode ?? 0;
          response.resume();
          resolve({ ok: status >= expected.min && status <= expected.max, status });
        },
      );
      request.on("error", (error) => resolve({ ok: false, error }));
      request.end();
    });
}
