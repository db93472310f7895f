import { Readable } from "node:stream";
import { isOutriggerError } from "@outrigger/core";
import axios, {
  type AxiosAdapter,
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
  type RawAxiosResponseHeaders,
} from "axios";
import type { Dispatcher } from "undici";
import "./axios-body.js";
import { RecordedBody } from "./axios-redirect-body.js";
import { requestSignal } from "./axios-timeout.js";
import { requestUrlOf } from "./axios-url.js";
import { LB_CALL } from "./lb-call.js";
import { isLbUrl, parseLbUrl } from "./lb-url.js";
import { MAX_HELD_BYTES } from "./undici-attempt.js";

/**
 * Headers never carried to another origin on a redirect (axios' http adapter and follow-redirects drop them), to
 * which a request's `sensitiveHeaders` add its own.
 */
const CREDENTIALS = new Set(["authorization", "cookie", "proxy-authorization"]);
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

type Body = string | Buffer | Uint8Array | Readable | null;

/** The body undici can send for axios' already transformed `data`. */
function bodyOf(data: unknown): Body {
  if (data === undefined || data === null) return null;
  if (typeof data === "string" || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof Readable) return data;
  throw new AxiosError(
    "The undici adapter sends strings, Buffers, ArrayBuffers and Node streams: serialize the body first",
    AxiosError.ERR_BAD_REQUEST,
  );
}

/** Protocol and host of `url`, compared for redirects (a non-special scheme like lb: has an opaque `origin`). */
const originOf = (url: URL): string => `${url.protocol}//${url.host}`;

/**
 * The request's own `sensitiveHeaders` (axios ≥ 1.16, for custom credentials such as `X-API-Key`), lower-cased;
 * ERR_BAD_OPTION_VALUE, as axios' http adapter, when it is not an array of strings.
 */
function sensitiveOf(config: InternalAxiosRequestConfig): ReadonlySet<string> {
  const names = (config as { sensitiveHeaders?: unknown }).sensitiveHeaders;
  if (names === undefined || names === null) return CREDENTIALS;
  if (!Array.isArray(names) || names.some((name) => typeof name !== "string")) {
    throw new AxiosError("sensitiveHeaders must be an array of strings", AxiosError.ERR_BAD_OPTION_VALUE, config);
  }
  return new Set([...CREDENTIALS, ...names.map((name: string) => name.toLowerCase())]);
}

/**
 * The request body's size against `maxBodyLength` (axios' http adapter: ERR_BAD_REQUEST before anything is sent;
 * axios/axios#3769: it must hold whether or not redirects are followed). Streams are not counted here.
 */
function checkBodyLength(body: Body, config: InternalAxiosRequestConfig): void {
  const limit = config.maxBodyLength ?? -1;
  if (limit < 0 || body === null || body instanceof Readable) return;
  const length = typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  if (length > limit) {
    throw new AxiosError("Request body larger than maxBodyLength limit", AxiosError.ERR_BAD_REQUEST, config);
  }
}

/** The next request after a redirect (RFC 9110 §15.4; method and header rules of follow-redirects/index.js). */
function redirected(
  status: number,
  location: string,
  from: URL,
  method: string,
  headers: Record<string, string>,
  body: Body,
  sensitive: ReadonlySet<string>,
) {
  const to = new URL(location, from);
  const next = { ...headers };
  let nextMethod = method;
  let nextBody = body;
  // 301/302 turn a POST into a GET (every browser does); 303 turns everything but GET/HEAD into a GET.
  if (((status === 301 || status === 302) && method === "POST") || (status === 303 && !/^(GET|HEAD)$/.test(method))) {
    nextMethod = "GET";
    nextBody = null;
    for (const name of Object.keys(next)) if (name.startsWith("content-")) delete next[name];
  }
  if (originOf(to) !== originOf(from)) for (const name of sensitive) delete next[name];
  delete next.host;
  return { url: to, method: nextMethod, headers: next, body: nextBody };
}

function headerRecord(raw: Record<string, string | string[] | undefined>): RawAxiosResponseHeaders {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(raw)) if (value !== undefined) out[name] = value;
  return out;
}

async function readBody(body: Dispatcher.ResponseData["body"], config: InternalAxiosRequestConfig): Promise<Buffer> {
  const limit = config.maxContentLength ?? -1;
  // No limit (axios' default, -1): undici collects the body itself, with one promise; the stream's async iterator
  // made a promise and a result object per chunk.
  if (limit < 0) return Buffer.from(await body.arrayBuffer());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (limit > -1 && size > limit) {
      body.destroy();
      throw new AxiosError(`maxContentLength size of ${limit} exceeded`, AxiosError.ERR_BAD_RESPONSE, config);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * An axios adapter that sends through an undici dispatcher (an `LbDispatcher`, an `Agent`, a `Pool`). Follows
 * redirects itself, up to `maxRedirects` (default 21, as follow-redirects): each hop is a new dispatch, so with the
 * lb dispatcher the instance that answered 3xx is credited for its answer and never blamed for the target's
 * errors; Authorization, Cookie and Proxy-Authorization are dropped when the origin changes (axios' own rule).
 * Honours `timeout` (with `timeoutErrorMessage` and `transitional.clarifyTimeoutError`), `signal`, `auth`,
 * `responseType` (`stream`, `arraybuffer`, else text for axios to parse), `maxContentLength`, `maxBodyLength`,
 * `sensitiveHeaders` and `validateStatus`; `data` must be a string, bytes or a Node stream once transformed.
 */
export function createUndiciAdapter(
  dispatcher: Dispatcher,
  extra?: (config: InternalAxiosRequestConfig) => object | undefined,
) {
  const adapter: AxiosAdapter = async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    const headers = AxiosHeaders.from(config.headers).normalize(false).toJSON(true) as Record<string, string>;
    const lowered: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = String(value);
    if (config.auth) {
      const { username = "", password = "" } = config.auth;
      lowered.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
    }
    // axios' own URL building: baseURL, params and paramsSerializer as its http adapter applies them.
    const uri = requestUrlOf(config);
    // The http transport's refusals first (LB_INVALID_URL, redacted): WHATWG parsing would drop userinfo silently,
    // throw a raw ERR_INVALID_URL quoting the URL for a bad port, and read `lb://svc:/` as `lb://svc/`.
    if (isLbUrl(uri)) parseLbUrl(uri);
    let url = new URL(uri);
    let method = (config.method ?? "get").toUpperCase();
    let body = bodyOf(config.data);
    checkBodyLength(body, config);
    const sensitive = sensitiveOf(config);
    let current = lowered;
    const signal = requestSignal(config);
    const hops = config.maxRedirects ?? 21;
    let recorded: RecordedBody | undefined;
    if (body instanceof Readable && hops > 0) {
      const limit = (config.maxBodyLength ?? -1) > -1 ? (config.maxBodyLength as number) : MAX_HELD_BYTES;
      recorded = new RecordedBody(body, limit);
      body = recorded.hop();
    }
    try {
      for (let hop = 0; ; hop++) {
        const answer = await dispatcher
          .request({
            origin: originOf(url),
            path: `${url.pathname}${url.search}`,
            method: method as Dispatcher.HttpMethod,
            headers: current,
            body,
            ...(signal ? { signal: signal.signal } : {}),
            ...extra?.(config),
          })
          .catch((error: unknown) => {
            if (signal?.signal.aborted && signal.signal.reason instanceof AxiosError) throw signal.signal.reason;
            // A policy's refusal or the balancer's own error stays what it is (as on axios' http adapter, where they
            // are thrown around the adapter): AxiosError.from would copy it without its brand, and
            // isResilienceError / isLbError would stop recognising it.
            if (isOutriggerError(error)) throw error;
            throw AxiosError.from(error as Error, (error as { code?: string }).code, config);
          });
        const location = answer.headers.location;
        if (REDIRECTS.has(answer.statusCode) && typeof location === "string" && hops > 0) {
          await answer.body.dump();
          if (hop + 1 > hops) {
            throw new AxiosError("Maximum number of redirects exceeded", "ERR_FR_TOO_MANY_REDIRECTS", config);
          }
          ({
            url,
            method,
            headers: current,
            body,
          } = redirected(answer.statusCode, location, url, method, current, body, sensitive));
          if (recorded && body instanceof Readable) {
            // The redirect keeps the body (307, 308): the stream was read once, its recording goes instead.
            if (!recorded.replayable) {
              throw new AxiosError(
                `The ${answer.statusCode} redirect to ${url.pathname} needs the request body again, but the stream ` +
                  `was over the ${recorded.limit} bytes held for a redirect: send a Buffer, or raise maxBodyLength`,
                "ERR_FR_REDIRECTION_FAILURE",
                config,
              );
            }
            body = recorded.hop();
          }
          continue;
        }
        const data =
          config.responseType === "stream"
            ? answer.body
            : config.responseType === "arraybuffer"
              ? await readBody(answer.body, config)
              : (await readBody(answer.body, config)).toString((config.responseEncoding as BufferEncoding) ?? "utf8");
        const response: AxiosResponse = {
          data,
          status: answer.statusCode,
          statusText: "",
          headers: headerRecord(answer.headers),
          config,
          request: { url: url.href },
        };
        const valid = config.validateStatus ? config.validateStatus(response.status) : true;
        if (valid) return response;
        const code = response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
        throw new AxiosError(`Request failed with status code ${response.status}`, code, config, undefined, response);
      }
    } finally {
      signal?.dispose();
      recorded?.release();
    }
  };
  return adapter;
}

/** Where a request's consistent-hash key travels from the axios adapter to the lb dispatcher. */
const LB_KEY = Symbol.for("outrigger.lbKey");

/** Settings of `createUndiciLbAxios`. */
export interface UndiciLbAxiosOptions {
  /** Defaults for the axios instance (headers, timeout, …). */
  readonly defaults?: CreateAxiosDefaults;
  /** The request's key for consistent hashing (e.g. a user id header). */
  readonly key?: (config: InternalAxiosRequestConfig) => string | undefined;
}

/**
 * The axios adapter that sends through an lb undici dispatcher, with each request's `lb: { idempotent, call }` and
 * consistent-hash `key`: `createUndiciLbAxios`'s, and `createLbAxios`'s on its default undici transport.
 */
export function lbUndiciAdapter(
  dispatcher: Dispatcher,
  key?: (config: InternalAxiosRequestConfig) => string | undefined,
): AxiosAdapter {
  return createUndiciAdapter(dispatcher, (config) => {
    const idempotent = config.lb?.idempotent;
    const hash = key?.(config);
    const call = config.lb?.call;
    if (idempotent === undefined && hash === undefined && call === undefined) return undefined;
    return {
      ...(idempotent !== undefined ? { idempotent } : {}),
      ...(hash !== undefined ? { [LB_KEY]: hash } : {}),
      ...(call !== undefined ? { [LB_CALL]: call } : {}),
    };
  });
}

/**
 * An axios instance on the undici transport: `lb://service/path` requests go through `dispatcher` (an
 * `LbDispatcher`, which owns the balancing, retries, timeouts and pools; close it when done), with the request's
 * `lb: { idempotent }` and `key`. The same pipeline as `createLbAxios`, without node:http and follow-redirects.
 */
export function createUndiciLbAxios(dispatcher: Dispatcher, options: UndiciLbAxiosOptions = {}): AxiosInstance {
  return axios.create({ ...options.defaults, adapter: lbUndiciAdapter(dispatcher, options.key) });
}
