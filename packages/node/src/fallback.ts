import { isLbUrl, parseLbUrl } from "@outrigger/loadbalancer";
import type { AxiosAdapter, AxiosError, AxiosInstance, AxiosResponse } from "axios";

/** The header a fallback answer carries, so a caller (and a test) can tell it from the service's own. */
export const FALLBACK_HEADER = "x-outrigger-fallback";

/** A service's fallback value now (live config), or undefined when it has none. */
export type FallbackOf = (service: string) => { readonly value: unknown } | undefined;

/** The service a URL names for og: `lb://service/…`, or the host of `http(s)://service/…` (og.fetch balances it). */
function serviceOfUrl(url: string): string | undefined {
  if (isLbUrl(url)) return parseLbUrl(url).service;
  return URL.canParse(url) ? new URL(url).hostname.toLowerCase() : undefined;
}

/** The Response og.fetch answers with instead of a failure: 200, the value as JSON. */
function fallbackResponse(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    status: 200,
    headers: { "content-type": "application/json", [FALLBACK_HEADER]: "1" },
  });
}

/**
 * `fetch` with the service's `fallback` (Hystrix's fallback, `@outrigger/resilience`'s `fallback: { value }`): a
 * call that throws (no instance, timeouts, an open breaker, a limit) or ends in a 5xx answer resolves with a 200
 * JSON answer of `value` instead. A 4xx is the caller's own error and is returned as is; so is a caller's abort.
 */
export function fetchWithFallback(
  send: (url: string, init?: RequestInit) => Promise<Response>,
  fallbackOf: FallbackOf,
): (url: string, init?: RequestInit) => Promise<Response> {
  return async (url, init) => {
    const fallback = fallbackOf(serviceOfUrl(url) ?? "");
    if (!fallback) return send(url, init);
    let response: Response;
    try {
      response = await send(url, init);
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      return fallbackResponse(fallback.value);
    }
    if (response.status < 500) return response;
    await response.body?.cancel().catch(() => {});
    return fallbackResponse(fallback.value);
  };
}

/**
 * Adds the service's `fallback` to og.http: a request to `lb://service/…` that fails (thrown, or a 5xx answer)
 * resolves with `{ status: 200, data: value }` instead. A 4xx or a caller's cancel is rejected as before. It wraps
 * the lb adapter (not a response interceptor): og.http rejects with Outrigger's own errors, which carry no request
 * config to name the service by.
 */
export function addAxiosFallback(http: AxiosInstance, fallbackOf: FallbackOf): void {
  const send = http.defaults.adapter as AxiosAdapter;
  http.defaults.adapter = async (config) => {
    const url = http.getUri(config);
    const fallback = isLbUrl(url) ? fallbackOf(parseLbUrl(url).service) : undefined;
    if (!fallback) return send(config);
    try {
      return await send(config);
    } catch (error) {
      const status = (error as AxiosError).response?.status;
      if ((status !== undefined && status < 500) || config.signal?.aborted) throw error;
      const answer: AxiosResponse = {
        data: fallback.value,
        status: 200,
        statusText: "OK",
        headers: { "content-type": "application/json", [FALLBACK_HEADER]: "1" },
        config,
      };
      return answer;
    }
  };
}
