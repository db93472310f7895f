import type { Dispatcher } from "undici";

type Headers = Dispatcher.DispatchOptions["headers"];

/**
 * The last value of header `name` (lower case) in any of undici's header shapes — a flat list, pairs, an iterable
 * of pairs (a `Headers`), a record — compared without case; undefined when absent.
 */
export function headerValue(headers: Headers, name: string): unknown {
  if (headers == null) return undefined;
  let value: unknown;
  if (Array.isArray(headers) && (headers.length === 0 || !Array.isArray(headers[0]))) {
    for (let i = 0; i + 1 < headers.length; i += 2)
      if (String(headers[i]).toLowerCase() === name) value = headers[i + 1];
  } else if (Symbol.iterator in Object(headers)) {
    for (const [key, v] of headers as Iterable<[string, unknown]>) if (key.toLowerCase() === name) value = v;
  } else {
    for (const [key, v] of Object.entries(headers)) if (key.toLowerCase() === name) value = v;
  }
  return value;
}

/**
 * Header names by which a client says a request may be sent again: the IETF's `Idempotency-Key`
 * (draft-ietf-httpapi-idempotency-key-header) and the older `X-Idempotency-Key` — the two Go's net/http reads
 * (`Request.isReplayable`, golang/go#19943), as Stripe's and others' APIs take them.
 */
export const IDEMPOTENCY_KEY_HEADERS = ["idempotency-key", "x-idempotency-key"] as const;

/** True when an undici request carries an idempotency key (`IDEMPOTENCY_KEY_HEADERS`). */
export function hasIdempotencyKey(headers: Headers): boolean {
  return IDEMPOTENCY_KEY_HEADERS.some((name) => headerValue(headers, name) !== undefined);
}
