import type { IncomingHttpHeaders } from "node:http";
import { RegistryError } from "../errors.js";

/**
 * Said on every watch answer of a registry with policies (value `watch`): this registry reads an SDK's ACK/NACK
 * carried on its next watch request, so the SDK needs no separate `POST /outrigger/policy/reports`.
 */
export const REPORTS_ON_WATCH_HEADER = "x-outrigger-policy-reports";
/** The reporting process, percent-encoded (a report's `clientId`; xDS: the request's `node`). */
const CLIENT_HEADER = "x-outrigger-client";
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
  return {
    service: app,
    clientId: decoded(CLIENT_HEADER, one(headers[CLIENT_HEADER]) ?? ""),
    revision: /^\d{1,15}$/.test(nonce) ? Number(nonce) : Number.NaN,
    status: error === undefined ? "ACK" : "NACK",
    ...(error === undefined ? {} : { reason: decoded(ERROR_HEADER, error) }),
  };
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
