import type { AxiosAdapter, InternalAxiosRequestConfig } from "axios";
import { LbError } from "./errors.js";
import type { LbDispatcherOptions } from "./undici-dispatcher-options.js";

/**
 * Which transport `createLbAxios` sends `lb://` requests on: `undici` (the lb undici dispatcher, one `Pool` per
 * instance) or `http` (axios' own node:http adapter with follow-redirects).
 */
export type LbAxiosTransport = "undici" | "http";

/** What the undici transport needs of `createLbAxios`'s options: the balancing ones, which mean the same there. */
export interface UndiciTransportOptions
  extends Pick<
    LbDispatcherOptions,
    "balancer" | "instancer" | "policy" | "retry" | "perTryTimeoutMs" | "localLagThresholdMs" | "deadlineMs"
  > {
  readonly key?: (config: InternalAxiosRequestConfig) => string | undefined;
}

/** Bodies the undici adapter sends as axios' http adapter would (after axios' transformRequest). */
function plainBody(data: unknown): boolean {
  return (
    data === undefined ||
    data === null ||
    typeof data === "string" ||
    data instanceof Uint8Array ||
    data instanceof ArrayBuffer
  );
}

/** A proxy from the environment, which axios' http adapter honours and undici's dispatcher does not. */
const envProxy = (): boolean =>
  ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"].some((name) => (process.env[name] ?? "") !== "");

/**
 * True when the undici transport sends `config` exactly as the http adapter would: no agent, proxy or socket path of
 * the caller's, no progress callbacks or `beforeRedirect` hook, no body factory or stream (whose replay rules the
 * http path implements), no form data. Anything else goes to the http adapter, per request.
 */
export function undiciCanSend(config: InternalAxiosRequestConfig): boolean {
  return (
    config.httpAgent === undefined &&
    config.httpsAgent === undefined &&
    config.socketPath == null &&
    config.onUploadProgress === undefined &&
    config.onDownloadProgress === undefined &&
    config.beforeRedirect === undefined &&
    config.lb?.body === undefined &&
    (config.proxy === false || (config.proxy === undefined && !envProxy())) &&
    plainBody(config.data)
  );
}

const notInstalled = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
};

/** The undici transport once loaded: its axios adapter and the lb dispatcher it made (the client closes it). */
export interface UndiciTransport {
  readonly adapter: AxiosAdapter;
  readonly dispatcher: { close(): Promise<void> };
}

/**
 * The axios adapter of the undici transport: an lb undici dispatcher made from `options`, loaded on first use so
 * `undici` stays an optional peer. Resolves undefined when undici is not installed and the transport was only the
 * default; throws LB_TRANSPORT_UNAVAILABLE when the caller asked for it.
 */
export async function loadUndiciTransport(
  options: UndiciTransportOptions,
  required: boolean,
): Promise<UndiciTransport | undefined> {
  try {
    const [{ createLbDispatcher }, { lbUndiciAdapter }] = await Promise.all([
      import("./undici-dispatcher.js"),
      import("./axios-undici.js"),
    ]);
    const { balancer, instancer, policy, retry, perTryTimeoutMs, localLagThresholdMs, deadlineMs } = options;
    const dispatcher = createLbDispatcher({
      balancer,
      ...(instancer !== undefined ? { instancer } : {}),
      ...(policy !== undefined ? { policy } : {}),
      ...(retry !== undefined ? { retry } : {}),
      ...(perTryTimeoutMs !== undefined ? { perTryTimeoutMs } : {}),
      ...(localLagThresholdMs !== undefined ? { localLagThresholdMs } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    });
    return { adapter: lbUndiciAdapter(dispatcher, options.key), dispatcher };
  } catch (error) {
    if (!notInstalled(error)) throw error;
    if (!required) return undefined;
    throw new LbError(
      "LB_TRANSPORT_UNAVAILABLE",
      'transport "undici" needs the undici package (^6.21): install it, or set transport: "http"',
      { cause: error },
    );
  }
}
