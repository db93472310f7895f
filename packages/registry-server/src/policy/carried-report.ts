import type { IncomingHttpHeaders } from "node:http";
import { RegistryError } from "../errors.js";

/**
 * Said on every watch answer of a registry with policies (value `watch`): this registry reads an SDK's ACK/NACK
 * carried on its next watch request, so the SDK needs no separate `POST /outrigger/policy/reports`.
 */
export const REPORTS_ON_WATCH_HEADER = "x-outrigger-policy-reports";
/** The reporting process, percent-encoded (a report's `clientId`; xDS: the request's `node`). */
const CLIENT_HEADER = "x-outrigger-client";
/**
 * The reporting process's key (a report's `clientKey`), on every watch of an SDK that reports: it keeps the
 * process's claim on its id alive (`ReportClaims`) and goes with each report.
 */
const KEY_HEADER = "x-outrigger-client-key";
/**
 * On a watch answer whose carried report was refused because another key holds the process id (value `claimed`):
 * the watch is answered all the same, and the SDK carries the report again on its next watch.
 */
export const REPORT_REFUSED_HEADER = "x-outrigger-policy-report-refused";
/** The revision the report answers (xDS: `response_nonce`); its presence makes the request a report. */
const NONCE_HEADER = "x-outrigger-policy-nonce";
/** A NACK's reason, percent-encoded (xDS: `error_detail`); absent, the report is an ACK. */
const ERROR_HEADER = "x-outrigger-policy-error";

/**
 * The policy report a watch request carries (as an xDS DiscoveryRequest ACKs or NACKs the previous answer:
 * envoy/service/discovery/v3/discovery.proto `response_nonce`, `error_detail`), as the body `POST /reports` takes,
 * for `PolicyReports.record` (which checks it as it checks a POST); undefined when the request carries none.
 * Throws `REGISTRY_BAD_REQUEST` for a header that is not percent-encoded text.
 */
export function carriedReport(headers: IncomingHttpHeaders, app: string): unknown {
  const nonce = one(headers[NONCE_HEADER]);
  if (nonce === undefined) return undefined;
  const error = one(headers[ERROR_HEADER]);
  const key = one(headers[KEY_HEADER]);
  return {
    service: app,
    clientId: decoded(CLIENT_HEADER, one(headers[CLIENT_HEADER]) ?? ""),
    ...(key === undefined ? {} : { clientKey: key }),
    revision: /^\d{1,15}$/.test(nonce) ? Number(nonce) : Number.NaN,
    status: error === undefined ? "ACK" : "NACK",
    ...(error === undefined ? {} : { reason: decoded(ERROR_HEADER, error) }),
  };
}

/**
 * The process and key a watch request names (`x-outrigger-client`, `x-outrigger-client-key`), for
 * `PolicyReports.touch`; undefined without both, or for a process header that is not percent-encoded text (the watch
 * goes on: only a report is refused for it).
 */
export function watchingClient(headers: IncomingHttpHeaders): { process: string; key: string } | undefined {
  const process = one(headers[CLIENT_HEADER]);
  const key = one(headers[KEY_HEADER]);
  if (process === undefined || key === undefined) return undefined;
  try {
    return { process: decoded(CLIENT_HEADER, process), key };
  } catch {
    return undefined;
  }
}

/**
 * A POSTed report body with the key of its `X-Outrigger-Client-Key` header (how the SDK sends it: a header is
 * dropped on a redirect off-origin, a body is not) when the body names none; the body as it came otherwise.
 */
export function withHeaderKey(body: unknown, headers: IncomingHttpHeaders): unknown {
  const key = one(headers[KEY_HEADER]);
  if (key === undefined || typeof body !== "object" || body === null || "clientKey" in body) return body;
  return { ...body, clientKey: key };
}

const one = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/** Percent-encoded text is visible ASCII; raw bytes past it (read by Node as latin1) would be kept garbled. */
const PERCENT_ENCODED = /^[\x21-\x7e]*$/;

function decoded(name: string, value: string): string {
  const refused = () =>
    new RegistryError("REGISTRY_BAD_REQUEST", `Watch report header ${name} must be percent-encoded UTF-8 text`);
  if (!PERCENT_ENCODED.test(value)) throw refused();
  try {
    return decodeURIComponent(value);
  } catch {
    throw refused();
  }
}
