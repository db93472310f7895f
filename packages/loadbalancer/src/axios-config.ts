import type { InternalAxiosRequestConfig } from "axios";

/**
 * `hasOwnProperty` as axios' `mergeConfig` (lib/core/mergeConfig.js) restores it on the null-prototype config it
 * builds: a non-enumerable own slot, so user code calling `config.hasOwnProperty(…)` keeps working.
 */
const HAS_OWN_PROPERTY: PropertyDescriptor = Object.freeze({
  value: Object.prototype.hasOwnProperty,
  enumerable: false,
  writable: true,
  configurable: true,
});

/** What one attempt of an `lb://` request changes in axios' config before the http adapter sends it. */
export interface AttemptFields {
  /** The instance's absolute URL (`baseURL` is cleared: it must not be prefixed to it). */
  readonly url: string;
  readonly data: unknown;
  /** `httpAgent` or `httpsAgent`, by the instance's scheme, and the agent to put there. */
  readonly agentKey: "httpAgent" | "httpsAgent";
  readonly agent: unknown;
  /** The attempt's signal; undefined keeps the request's own. */
  readonly signal: InternalAxiosRequestConfig["signal"] | undefined;
  /** The attempt's headers; undefined keeps the request's own. */
  readonly headers: InternalAxiosRequestConfig["headers"] | undefined;
}

/**
 * The config one attempt hands axios' http adapter: a copy of the request's config with the attempt's fields, shaped
 * as axios makes configs — a null prototype (so a polluted `Object.prototype` cannot supply `proxy`, `auth` or
 * `baseURL`; axios' `mergeConfig` comment) and the own `hasOwnProperty` slot. Each attempt gets its own copy, so
 * concurrent attempts (a hedge) and the response's and error's `config` never share one. Copied key by key: an
 * object spread of axios' dictionary-mode config cost 8–17 µs per request on Node 20 (this package's README,
 * "The http adapter's own cost"), the loop about a third of that.
 */
export function attemptConfig(config: InternalAxiosRequestConfig, fields: AttemptFields): InternalAxiosRequestConfig {
  const copy = copyWithUrl(config, fields.url);
  copy.data = fields.data;
  copy[fields.agentKey] = fields.agent;
  // The request's `timeout` runs once for the whole call (axios-timeout.ts), not again in each attempt's adapter;
  // the sender puts it back once the adapter is done (axios-send.ts).
  copy.timeout = 0;
  if (fields.signal !== undefined) copy.signal = fields.signal;
  if (fields.headers !== undefined) copy.headers = fields.headers;
  return copy as unknown as InternalAxiosRequestConfig;
}

/** A copy of `config` shaped as axios makes configs, asking for the absolute `url` (`baseURL` cleared). */
function copyWithUrl(config: InternalAxiosRequestConfig, url: string): Record<string, unknown> {
  const copy = Object.create(null) as Record<string, unknown>;
  Object.defineProperty(copy, "hasOwnProperty", HAS_OWN_PROPERTY);
  const source = config as unknown as Record<string, unknown>;
  const keys = Object.keys(source);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    copy[key] = source[key];
  }
  copy.baseURL = undefined;
  copy.url = url;
  return copy;
}

/**
 * The request's config asking for `url`, its whole `lb://` URL with `baseURL` applied (axios-url.ts `lbUrlOf`):
 * the config itself when that is already its `url` and it has no `baseURL`, else a copy with `baseURL` cleared, so
 * no later step joins them again.
 */
export function lbRequestConfig(
  config: InternalAxiosRequestConfig,
  url: string,
): InternalAxiosRequestConfig & { url: string } {
  if (config.url === url && !config.baseURL) return config as InternalAxiosRequestConfig & { url: string };
  return copyWithUrl(config, url) as unknown as InternalAxiosRequestConfig & { url: string };
}
