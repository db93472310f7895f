import { CHECK_OUTPUT_MAX_BYTES } from "./check-limits.js";
import { badRequest, typeMismatch } from "./consul-error.js";

/**
 * What an HTTP check sends and accepts besides its URL, method and headers — the rest of Consul's `CheckHTTP`
 * (agent/checks/check.go): the request `Body`, `DisableRedirects` (a 3xx is then the answer, so critical: Consul's
 * `CheckRedirect` returning `http.ErrUseLastResponse`, hashicorp/consul#12526), `TLSSkipVerify` and `TLSServerName`
 * (its `TLSClientConfig`), and `OutputMaxSize` (the bytes of the answer kept as output).
 */
export interface HttpCheckOptions {
  readonly body: string;
  readonly disableRedirects: boolean;
  readonly tlsSkipVerify: boolean;
  /** The name sent in TLS SNI and checked in the certificate; undefined: the URL's host. */
  readonly tlsServerName: string | undefined;
  /** At most this many bytes of the answer are read and kept (Consul's default and our ceiling: 4 KiB). */
  readonly outputMaxBytes: number;
}

/** A check's request body is sent on every probe: bounded, so one registration cannot make every probe heavy. */
export const MAX_CHECK_BODY_BYTES = 64 * 1024;

/** DNS names are at most 253 characters (RFC 1035 §2.3.4); an SNI name is one. */
const MAX_SERVER_NAME = 253;

function bool(raw: Record<string, unknown>, key: string, field: string): boolean {
  const v = raw[key];
  if (v === undefined || v === null) return false;
  // Go's JSON decoder takes only true/false for a bool: "true" is a type error there too.
  if (typeof v !== "boolean") throw typeMismatch(field, "bool", v);
  return v;
}

function text(raw: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw typeMismatch(field, "string", v);
  return v;
}

/**
 * Reads an HTTP check's `Body`, `DisableRedirects`, `TLSSkipVerify`, `TLSServerName` and `OutputMaxSize` from its
 * folded keys. Errors are 400s naming the field: a body above 64 KiB, a server name that is not a host name, a
 * negative or fractional `OutputMaxSize` (Consul: "OutputMaxSize must be positive"); one above 4 KiB is lowered.
 */
export function httpCheckOptions(raw: Record<string, unknown>): HttpCheckOptions {
  const body = text(raw, "body", "Check.Body") ?? "";
  if (Buffer.byteLength(body) > MAX_CHECK_BODY_BYTES) {
    throw badRequest(`Invalid check: Body is above ${MAX_CHECK_BODY_BYTES} bytes`, "send a smaller probe body");
  }
  const tlsServerName = text(raw, "tlsservername", "Check.TLSServerName");
  if (
    tlsServerName !== undefined &&
    (tlsServerName.length > MAX_SERVER_NAME || !/^[A-Za-z0-9.-]+$/.test(tlsServerName))
  ) {
    throw badRequest("Invalid check: TLSServerName is not a host name", "e.g. api.internal");
  }
  const max = raw.outputmaxsize ?? 0;
  if (typeof max !== "number") throw typeMismatch("Check.OutputMaxSize", "int", max);
  if (!Number.isInteger(max) || max < 0) throw badRequest("Invalid check: OutputMaxSize must be positive");
  return {
    body,
    disableRedirects: bool(raw, "disableredirects", "Check.DisableRedirects"),
    tlsSkipVerify: bool(raw, "tlsskipverify", "Check.TLSSkipVerify"),
    tlsServerName,
    outputMaxBytes: max === 0 ? CHECK_OUTPUT_MAX_BYTES : Math.min(max, CHECK_OUTPUT_MAX_BYTES),
  };
}
