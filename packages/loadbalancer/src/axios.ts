import axios, {
  type AxiosAdapter,
  type AxiosError,
  type AxiosInstance,
  type AxiosResponse,
  type CreateAxiosDefaults,
  type InternalAxiosRequestConfig,
} from "axios";
import type { Balancer } from "./balancer.js";
import { LbError } from "./errors.js";
import { isLbUrl, parseLbUrl } from "./lb-url.js";

/**
 * What wraps the attempts of one request: `@outrigger/resilience` policies and cockatiel's have this shape.
 * Each call of `fn` is one attempt; the balancer picks again inside it, so a retry can reach another instance.
 */
export interface AttemptPolicy {
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T>;
}

/** Settings of a load-balanced axios instance. */
export interface LbAxiosOptions {
  /** The balancer for a service named in `lb://service/...`; undefined when the service is unknown. */
  readonly balancer: (service: string) => Balancer | undefined;
  /** Wraps each request's attempts (retry, timeout, …); default: one attempt. */
  readonly policy?: AttemptPolicy;
  /** Defaults for the axios instance (headers, timeout, …). */
  readonly defaults?: CreateAxiosDefaults;
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

function lbAdapter(options: LbAxiosOptions, send: AxiosAdapter): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    if (!isLbUrl(config.url)) return send(config);
    const { service, path } = parseLbUrl(config.url);
    const balancer = options.balancer(service);
    if (!balancer) throw new LbError("LB_UNKNOWN_SERVICE", `No balancer for service "${service}": register one for it`);
    const tried = new Set<string>();
    const callerSignal = config.signal as AbortSignal | undefined;

    const attempt = async (context?: { signal: AbortSignal }): Promise<AxiosResponse> => {
      const pick = balancer.pick({ avoid: tried });
      const { instance } = pick;
      tried.add(instance.id);
      const started = performance.now();
      const url = `${instance.secure ? "https" : "http"}://${instance.host}:${instance.port}${path}`;
      const signal = combine(callerSignal, context?.signal);
      try {
        const response = await send({ ...config, baseURL: undefined, url, ...(signal ? { signal } : {}) });
        pick.done({ ok: response.status < 500, status: response.status, rttMs: performance.now() - started });
        return response;
      } catch (error) {
        const status = (error as AxiosError).response?.status;
        pick.done({ ok: false, ...(status !== undefined ? { status } : {}), rttMs: performance.now() - started });
        throw error;
      }
    };

    return options.policy ? options.policy.execute(attempt, callerSignal) : attempt();
  };
}

/**
 * An axios instance that sends `lb://service/path` requests to an instance picked by the service's balancer,
 * reporting each attempt's status and round-trip time back to it. Other URLs pass through untouched.
 */
export function createLbAxios(options: LbAxiosOptions): AxiosInstance {
  const send = axios.getAdapter("http");
  return axios.create({ ...options.defaults, adapter: lbAdapter(options, send) });
}
