import { redactSecrets } from "@outrigger/core";

/** What an SDK process says about a policy revision it was sent: an xDS client's ACK, or NACK with the reason. */
export interface WatchPolicyReport {
  /** The reporting process (registry-server's `clientId`). */
  readonly process: string;
  readonly revision: number;
  readonly status: "ACK" | "NACK";
  /** Why a NACK. */
  readonly reason?: string;
}

/**
 * The watch answer's header by which a registry says it reads reports carried on the watch request (value
 * `watch`). Without it (an older registry) reports go to `POST /outrigger/policy/reports` as before.
 */
export const REPORTS_ON_WATCH_HEADER = "x-outrigger-policy-reports";
/** The reporting process, percent-encoded (registry-server's `clientId`; xDS: `node`). */
export const REPORT_CLIENT_HEADER = "x-outrigger-client";
/**
 * The reporting process's key, on every watch request of a process that reports (with `REPORT_CLIENT_HEADER`) and
 * with each report: a random secret made when the watch starts reporting. The registry lets only that key report
 * under the process id while the process watches (and a while after), so another holder of the read token cannot
 * overwrite this process's ACK/NACK (registry-server's `ReportClaims`).
 */
export const REPORT_KEY_HEADER = "x-outrigger-client-key";
/**
 * On a watch answer whose carried report the registry refused because another key holds the process id (value
 * `claimed`, registry-server's `REGISTRY_REPORT_CLAIMED`): the report is carried again on the next watch.
 */
export const REPORT_REFUSED_HEADER = "x-outrigger-policy-report-refused";
/** The revision the report answers (xDS: `response_nonce`, the answer being ACKed or NACKed). */
export const REPORT_NONCE_HEADER = "x-outrigger-policy-nonce";
/** Present on a NACK: the reason, percent-encoded (xDS: `error_detail`); absent, the report is an ACK. */
export const REPORT_ERROR_HEADER = "x-outrigger-policy-error";

/**
 * Longest value of the carried headers together: a long NACK reason (non-ASCII text takes up to 9 bytes a
 * character once encoded) goes by `POST` instead, far below Node's 16 KiB header limit (`--max-http-header-size`).
 */
const MAX_CARRIED_BYTES = 4_096;

/** The headers that carry `report` on a watch request; undefined when too long to carry (send it by POST). */
export function reportHeaders(report: WatchPolicyReport): Record<string, string> | undefined {
  // The registry refuses a process id outside 1–256 characters: by POST, the refusal is reported, not looped on.
  if (report.process.length === 0 || report.process.length > 256) return undefined;
  const headers: Record<string, string> = {
    [REPORT_CLIENT_HEADER]: encodeURIComponent(report.process),
    [REPORT_NONCE_HEADER]: String(report.revision),
  };
  // Redacted here, not only by the registry: a redirect may carry it to another origin (credentials are dropped
  // there, this header is not).
  if (report.status === "NACK") headers[REPORT_ERROR_HEADER] = encodeURIComponent(redactSecrets(report.reason ?? ""));
  const bytes = Object.values(headers).reduce((sum, value) => sum + value.length, 0);
  return bytes > MAX_CARRIED_BYTES ? undefined : headers;
}

/** A reporting process's id and key (see `REPORT_KEY_HEADER`), named on every watch and report. */
export interface ReporterIdentity {
  readonly process: string;
  readonly key: string;
}

/**
 * The headers by which a request names its reporting process (`headers`) and key (`credentials`: dropped on a
 * redirect to another origin, as the token is); none for a process id the registry would refuse (outside 1–256
 * characters).
 */
export function identityHeaders(
  identity: ReporterIdentity | undefined,
): { headers: Record<string, string>; credentials: Record<string, string> } | undefined {
  if (!identity || identity.process.length === 0 || identity.process.length > 256) return undefined;
  return {
    headers: { [REPORT_CLIENT_HEADER]: encodeURIComponent(identity.process) },
    credentials: { [REPORT_KEY_HEADER]: identity.key },
  };
}

/** Longest wait of the next watch for the report on a new policy: a healthy SDK reports in microtasks. */
export const REPORT_WAIT_MS = 1_000;

/**
 * The report a watch carries to the registry on its next request, as an xDS client ACKs or NACKs on its next
 * DiscoveryRequest (envoy/service/discovery/v3/discovery.proto `version_info`/`response_nonce`/`error_detail`: "no
 * new request is sent after a response is received until the Envoy instance is ready to ACK/NACK"). After a new
 * policy the watch `expect`s its revision and `ready()` waits (bounded) for the SDK's report; a report that comes
 * while no watch waits for it is not taken, and the caller sends it by POST.
 */
export class CarriedReport {
  #expected: number | undefined;
  #pending: Record<string, string> | undefined;
  #sent: Record<string, string> | undefined;
  #arrived: (() => void) | undefined;

  /** A new policy of `revision` was handed on: its report is carried on the next watch. */
  expect(revision: number): void {
    this.#expected = revision;
  }

  /** Takes `report` for the next watch when one waits for it (and it fits); false: send it by POST. */
  offer(report: WatchPolicyReport): boolean {
    if (this.#expected !== report.revision) return false;
    const headers = reportHeaders(report);
    if (!headers) return false;
    this.#expected = undefined;
    this.#pending = headers;
    this.#arrived?.();
    return true;
  }

  /** Resolves once the expected report came or `ms` passed (then it goes by POST when it comes). */
  async ready(ms: number): Promise<void> {
    if (this.#expected === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      this.#arrived = resolve;
      timer = setTimeout(resolve, ms);
      timer.unref();
    });
    clearTimeout(timer);
    this.#arrived = undefined;
    this.#expected = undefined;
  }

  /** The headers for the next watch request, or none; kept until `settled` says whether they got through. */
  take(): Record<string, string> | undefined {
    this.#sent = this.#pending;
    this.#pending = undefined;
    return this.#sent;
  }

  /**
   * The watch that carried the last headers ended: answered (`delivered`), or failed; a failed one's report is
   * carried again by the next watch (the registry keeps one report per process, so a repeat is harmless), unless
   * the registry refused the request (a 4xx: carrying it again would be refused again); a report refused because
   * another key holds the process id (`claimed`) is carried again too.
   */
  settled(outcome: "delivered" | "failed" | "refused" | "claimed"): void {
    // Claimed: an earlier process under the same id still holds it (a restart within the registry's claim time);
    // carried again, it gets through once that claim lapses.
    if ((outcome === "failed" || outcome === "claimed") && this.#pending === undefined) this.#pending = this.#sent;
    this.#sent = undefined;
  }
}
