/**
 * What replaces a secret. OpenTelemetry's HTTP semantic conventions redact `url.full` credentials the same way
 * (`https://REDACTED:REDACTED@host/`).
 */
export const REDACTED = "REDACTED";

/**
 * Query keys whose values are credentials, lower case (keys are matched whatever their case). OpenTelemetry's
 * default list (semantic-conventions url.md, notes on `url.full` and `url.query`): SigV4's `X-Amz-Signature`,
 * `X-Amz-Credential`, `X-Amz-Security-Token`, SigV2's `AWSAccessKeyId` and `Signature`, Azure SAS's `sig`, GCS's
 * `X-Goog-Signature`. Ours: GCS's `X-Goog-Credential`, Consul's `token`, OAuth's `access_token`, API keys, passwords.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  "x-amz-signature",
  "x-amz-credential",
  "x-amz-security-token",
  "awsaccesskeyid",
  "signature",
  "sig",
  "x-goog-signature",
  "x-goog-credential",
  "token",
  "access_token",
  "api_key",
  "apikey",
  "key",
  "password",
  "secret",
]);
/** A query key and its `=`, after `?` or `&`. No `?` inside the key, so `?a?sig=` is looked at from its second `?`. */
const QUERY_KEY = /[?&]([^=&#?\s"'<>]+)=/g;
/** Where a query value ends. */
const VALUE_END = /[&#\s"'<>]/g;
const PERCENT = /%([0-9a-f]{2})/gi;
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
  const withoutUserinfo = text.replace(USERINFO, (_m, scheme: string) => `${scheme}${REDACTED}:${REDACTED}@`);
  return redactQueryValues(withoutUserinfo).replace(AUTH_SCHEME, (m, scheme: string, space: string) =>
    m.slice(scheme.length + space.length) === REDACTED ? m : `${scheme}${space}${REDACTED}`,
  );
}

/** `key` as its bytes read, for `X%2DAmz%2DSignature` (a `%` not followed by two hex digits stays as it is). */
function decodeKey(key: string): string {
  return key.includes("%")
    ? key.replace(PERCENT, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    : key;
}

/**
 * `text` with the value of every secret query parameter replaced by `REDACTED`: key, separators and every other
 * parameter as they were. The value after a key that is not secret is looked at too (`?next=/b?sig=…`).
 */
function redactQueryValues(text: string): string {
  if (!text.includes("=")) return text;
  let out = "";
  let copied = 0;
  QUERY_KEY.lastIndex = 0;
  for (let match = QUERY_KEY.exec(text); match !== null; match = QUERY_KEY.exec(text)) {
    if (!SECRET_KEYS.has(decodeKey(match[1] as string).toLowerCase())) continue;
    const start = match.index + match[0].length;
    VALUE_END.lastIndex = start;
    const end = VALUE_END.exec(text)?.index ?? text.length;
    out += `${text.slice(copied, start)}${REDACTED}`;
    copied = end;
    QUERY_KEY.lastIndex = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
