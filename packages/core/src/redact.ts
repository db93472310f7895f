/**
 * What replaces a secret. OpenTelemetry's HTTP semantic conventions redact `url.full` credentials the same way
 * (`https://REDACTED:REDACTED@host/`).
 */
export const REDACTED = "REDACTED";

// Query parameters that carry credentials in the wild: Consul's `?token=`, OAuth's `access_token`, signed URLs.
const SECRET_PARAMS = /([?&](?:token|access_token|api_key|apikey|key|password|secret|signature|sig)=)[^&#\s"'<>]*/gi;
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)[^/?#@\s"'<>]+@/gi;
const AUTH_SCHEME = /\b(bearer|basic|token)(\s+)[a-z0-9._~+/=-]+/gi;

/**
 * A URL made safe to show: userinfo replaced (`user:pass@` → `REDACTED:REDACTED@`, a lone user too) and secret
 * query parameters' values replaced. Unparseable input is redacted as text, never echoed as is.
 */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}

/**
 * Any text (an error message, a log line, a metric label) with every secret it may carry replaced: URL userinfo,
 * secret query parameters, and `Bearer …`/`Basic …` credentials. Idempotent.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}:${REDACTED}@`)
    .replace(SECRET_PARAMS, (_m, key: string) => `${key}${REDACTED}`)
    .replace(AUTH_SCHEME, (m, scheme: string, space: string) =>
      m.slice(scheme.length + space.length) === REDACTED ? m : `${scheme}${space}${REDACTED}`,
    );
}
