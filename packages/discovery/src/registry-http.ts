import type { IncomingHttpHeaders } from "node:http";
import { setImmediate } from "node:timers/promises";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { clampTimerDelay, followAbort, redactUrl } from "@outrigger/core";
import { type Dispatcher, getGlobalDispatcher, request } from "undici";
import { BodyTooLarge, readCapped } from "./capped-body.js";
import { DiscoveryError } from "./errors.js";
import type { RegistryAccess } from "./registry-access.js";
import { isRedirect, MAX_REGISTRY_REDIRECTS, redirectHop } from "./registry-redirect.js";

/** An answer's headers, read by name (case-insensitive; `null` when absent), as `Headers.get`. */
export interface AnswerHeaderReader {
  get(name: string): string | null;
}

/** An answer from the registry: its status, headers and parsed JSON body (undefined when empty). */
export interface RegistryResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: AnswerHeaderReader;
}

const gunzipAsync = promisify(gunzip);
/** Most bytes a gzipped answer may inflate to: far beyond a whole registry's answer, it bounds a zip bomb. */
/** The most an answer may be, as sent and (gzip) inflated: bounds what one registry answer can make us hold. */
const MAX_ANSWER_BYTES = 256 * 1024 * 1024;

/**
 * Sends one request to the registry with a timeout, with the credentials and TLS settings of `access`, and returns
 * once its connection is free for the next request (see `connectionReleased`). Network failures become
 * DISCOVERY_REGISTRY_UNREACHABLE; a 401 or 403 becomes DISCOVERY_UNAUTHORIZED, whose message says which token is
 * missing or lacks permission. No message carries a token or the URL's userinfo.
 */
export async function registryRequest(
  url: string,
  init: {
    method: string;
    body?: unknown;
    timeoutMs: number;
    signal?: AbortSignal;
    access?: RegistryAccess;
    /** More request headers (a watch's carried policy report). */
    headers?: Record<string, string>;
    /** Headers that are credentials (a process's report key): dropped, as the token is, on a redirect off-origin. */
    credentialHeaders?: Record<string, string>;
  },
): Promise<RegistryResponse> {
  // The caller's signal (close()) and the timeout both end the request, the answer's body included. Not
  // `AbortSignal.any([init.signal, …])`: on Node 20 each call leaves ~70 bytes on a long-lived source signal for
  // good (nodejs/node#55351), and a watcher's stop signal lives as long as the process.
  // A plain timer, not core's after-I/O `setIoTimeout`: this is the control plane, not the request path — an
  // answer a stalled loop times out costs one re-fetch (or renew) later, and the cache keeps its last good set.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException("The registry did not answer in time", "TimeoutError")),
    clampTimerDelay(init.timeoutMs),
  );
  timer.unref(); // as AbortSignal.timeout: a pending request alone does not keep the process up
  const { signal } = init;
  const unfollow = signal ? followAbort(signal, () => controller.abort(signal.reason)) : () => {};
  if (signal?.aborted) controller.abort(signal.reason);
  try {
    return await exchange(url, init, controller.signal);
  } catch (error) {
    throw stoppedBy(error, controller.signal, redactUrl(url), init.timeoutMs);
  } finally {
    clearTimeout(timer);
    unfollow();
  }
}

/**
 * A network failure while the request's own signal had fired says why it stopped: the timeout (while waiting for
 * the answer or reading its body), or the caller (a `close()`), not "unreachable" or "dropped the connection", which
 * send an operator looking for a crashed registry that is up. The code stays `DISCOVERY_REGISTRY_UNREACHABLE` (a
 * timeout is one of its causes, ERRORS.md), the cause the signal's reason; any other error passes unchanged.
 */
function stoppedBy(error: unknown, signal: AbortSignal, shown: string, timeoutMs: number): unknown {
  if (!signal.aborted || !(error instanceof DiscoveryError) || error.code !== "DISCOVERY_REGISTRY_UNREACHABLE") {
    return error;
  }
  const reason = signal.reason as { name?: unknown } | undefined;
  const message =
    reason?.name === "TimeoutError"
      ? `Registry at ${shown} did not finish its answer within ${timeoutMs} ms: check that it runs and is not overloaded, or raise the request timeout`
      : `Request to the registry at ${shown} was stopped by its caller (closed or aborted), not by the registry`;
  return new DiscoveryError("DISCOVERY_REGISTRY_UNREACHABLE", message, { cause: signal.reason });
}

async function exchange(
  url: string,
  init: {
    method: string;
    body?: unknown;
    access?: RegistryAccess;
    headers?: Record<string, string>;
    credentialHeaders?: Record<string, string>;
  },
  signal: AbortSignal,
): Promise<RegistryResponse> {
  const shown = redactUrl(url);
  const origin = new URL(url).origin;
  let credentials = { ...(init.access ? await init.access.headers() : {}), ...init.credentialHeaders };
  let hop = { url, method: init.method, body: init.body };
  for (let redirects = 0; ; redirects++) {
    const response = await send(hop, init, credentials, signal, shown);
    const status = response.statusCode;
    if (!isRedirect(status)) return answer(response, shown, hop.method);
    await response.body.dump().catch(() => {});
    // Eureka's count: MAX_REGISTRY_REDIRECTS requests in all, the first included.
    if (redirects + 1 >= MAX_REGISTRY_REDIRECTS) {
      throw new DiscoveryError(
        "DISCOVERY_BAD_RESPONSE",
        `Registry at ${shown} redirected ${MAX_REGISTRY_REDIRECTS} times in a row: point the client at the registry itself`,
      );
    }
    const location = response.headers.location;
    const next = redirectHop(
      status,
      typeof location === "string" ? location : null,
      hop.url,
      hop.method,
      origin,
      shown,
    );
    // Once the request has left the origin its credentials were given for, they stay behind (fetch's rule).
    if (!next.sameOrigin) credentials = {};
    hop = { url: next.url, method: next.method, body: next.keepBody ? hop.body : undefined };
  }
}

/** One HTTP exchange of a (possibly redirected) registry request; a network failure is UNREACHABLE. */
async function send(
  hop: { url: string; method: string; body?: unknown },
  init: { access?: RegistryAccess; headers?: Record<string, string> },
  credentials: Record<string, string>,
  signal: AbortSignal,
  shown: string,
): Promise<Dispatcher.ResponseData> {
  try {
    // undici's `request`, not `fetch`: no WHATWG Request/Response/Headers/stream objects per exchange, half the
    // CPU per watch answer (bench:watch-request). The same dispatcher as Node's fetch unless TLS settings gave one.
    return await request(hop.url, {
      method: hop.method as Dispatcher.HttpMethod,
      headers: {
        accept: "application/json",
        // As fetch did: a large answer (a whole registry) may come compressed; gzip is what registries send.
        "accept-encoding": "gzip",
        ...(hop.body !== undefined ? { "content-type": "application/json" } : {}),
        ...init.headers,
        ...credentials,
      },
      dispatcher: init.access?.dispatcher ?? getGlobalDispatcher(),
      body: hop.body !== undefined ? JSON.stringify(hop.body) : null,
      signal,
    });
  } catch (cause) {
    // It answered, with more header bytes than Node takes (a 20 KiB Location): not a network failure.
    if ((cause as { code?: unknown }).code === "UND_ERR_HEADERS_OVERFLOW") {
      throw new DiscoveryError(
        "DISCOVERY_BAD_RESPONSE",
        `Registry at ${shown} answered with headers larger than Node's limit (--max-http-header-size, 16 KiB by default): check what answers at that address`,
        { cause },
      );
    }
    throw new DiscoveryError(
      "DISCOVERY_REGISTRY_UNREACHABLE",
      `Registry at ${shown} is unreachable: check that it runs, the URL is right and, for https, that its CA is trusted`,
      { cause },
    );
  }
}

/** The final answer: status, headers and parsed JSON body (undefined when empty, or unparsable on an error status). */
async function answer(response: Dispatcher.ResponseData, shown: string, method: string): Promise<RegistryResponse> {
  const status = response.statusCode;
  const headers = new AnswerHeaders(response.headers);
  let text: string;
  try {
    text = await readBody(response, shown, method);
  } finally {
    await connectionReleased();
  }
  if (!text) return { status, headers, body: undefined };
  try {
    return { status, headers, body: JSON.parse(text) };
  } catch (cause) {
    if (status >= 400) return { status, headers, body: undefined };
    throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", `Registry at ${shown} answered with invalid JSON`, { cause });
  }
}

/** An answer's headers as undici gives them (lower-case names), read by name as `Headers.get` reads them. */
class AnswerHeaders implements AnswerHeaderReader {
  readonly #raw: IncomingHttpHeaders;
  constructor(raw: IncomingHttpHeaders) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const value = this.#raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  }
}

/**
 * The answer's text (gunzipped when sent so); a 401 or 403 is DISCOVERY_UNAUTHORIZED (its body unread), a cut
 * answer UNREACHABLE, one over 256 MiB as sent or inflated BAD_RESPONSE (the read stops at the cap).
 */
async function readBody(response: Dispatcher.ResponseData, shown: string, method: string): Promise<string> {
  const status = response.statusCode;
  if (status === 401 || status === 403) {
    await response.body.dump().catch(() => {});
    throw new DiscoveryError("DISCOVERY_UNAUTHORIZED", refusal(shown, status, method));
  }
  let raw: Buffer;
  try {
    raw = await readCapped(response.body, MAX_ANSWER_BYTES);
  } catch (cause) {
    if (cause instanceof BodyTooLarge) {
      throw new DiscoveryError(
        "DISCOVERY_BAD_RESPONSE",
        `Registry at ${shown} answered with a body over 256 MiB (read stopped there): check what answers at that address`,
        { cause },
      );
    }
    throw new DiscoveryError(
      "DISCOVERY_REGISTRY_UNREACHABLE",
      `Registry at ${shown} dropped the connection mid-answer: check that it runs`,
      { cause },
    );
  }
  if (response.headers["content-encoding"] !== "gzip") return raw.toString("utf8");
  try {
    return (await gunzipAsync(raw, { maxOutputLength: MAX_ANSWER_BYTES })).toString("utf8");
  } catch (cause) {
    throw new DiscoveryError(
      "DISCOVERY_BAD_RESPONSE",
      `Registry at ${shown} answered with a gzip body that does not inflate to at most 256 MiB: check what answers at that address`,
      { cause },
    );
  }
}

/**
 * Resolves one event-loop turn after an answer was read, when undici has put its connection back in the pool.
 * undici frees a kept-alive connection only a full turn after an answer ends (`setImmediate` in
 * nodejs/undici lib/dispatcher/client-h1.js `onMessageComplete`: "We must wait a full event loop cycle to reuse this
 * socket"), while a small answer is read in the microtasks right after it: a request sent from them (a watch's next
 * poll, a full fetch after a delta, a registration after a renewal's 404) found the connection busy and opened a
 * second socket. Waiting here, for every request, fixes the whole kind in one place: undici's turn was queued first.
 */
function connectionReleased(): Promise<void> {
  return setImmediate();
}

/**
 * What to do about a refusal. A Eureka-protocol registry answers 401 to a missing or wrong token and 403 to a valid
 * token without the permission (registry-server `hooks/auth.ts`: a read-only token on a write), so a 403 on a
 * write names the write permission a registrar needs. A 403 on a read is most often a stock Eureka server warming
 * up: for `eureka.server.waitTimeInMsWhenSyncEmpty` (5 minutes by default) after a start that found no peer's
 * registry, it answers every read 403 with no body (PeerAwareInstanceRegistryImpl.shouldAllowAccess, checked by
 * ApplicationsResource, ApplicationResource and the VIP resources) — it passes by itself, and the client keeps
 * polling. An Outrigger registry does the same while it copies its peers' registry at start and, with
 * `--wait-when-sync-empty`, after a start that copied nothing (registry-server `read-gate.ts`); its read token
 * reads everything otherwise. The token itself is never shown.
 */
function refusal(shown: string, status: number, method: string): string {
  if (status === 401) {
    return `Registry at ${shown} refused the request (401): the token is missing or wrong; give the client the registry's token (option \`token\`)`;
  }
  const write = method.toUpperCase() !== "GET";
  return write
    ? `Registry at ${shown} refused a ${method.toUpperCase()} (403): the token lacks write permission; give a registrar the registry's write token (option \`token\`), not a read-only one`
    : `Registry at ${shown} refused a read (403): a Eureka server refuses reads while it copies its peers' registry at start and while it warms up after a start that found no peer's registry (Eureka's waitTimeInMsWhenSyncEmpty, 5 minutes by default; Outrigger's --wait-when-sync-empty) and the client keeps polling; if it lasts longer, check that the token may read this registry (option \`token\`) and that no proxy in front refuses it`;
}

/** Joins a base URL (with or without a trailing slash) and a path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
