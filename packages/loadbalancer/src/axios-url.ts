import axios, { type InternalAxiosRequestConfig } from "axios";
import { isLbUrl } from "./lb-url.js";

/**
 * axios' URL building (lib/core/buildFullPath.js, lib/helpers/buildURL.js) on the request's own config. Not
 * `axios.getUri`: it merges axios' *global* defaults in again, so a `params` or `baseURL` set on the global axios
 * after this instance was made would reach its requests — axios' http adapter reads the request's config only.
 */
const URLS = new axios.Axios({});

/**
 * The `lb://` URL `config` asks for (its `baseURL` applied, not its `params`), or undefined when it names no
 * service. `baseURL` is joined to `url` as axios does it: an absolute `url` wins unless `allowAbsoluteUrls` is false
 * (axios ≥ 1.8.2, CVE-2025-27152: then it is appended to `baseURL`, so input cannot send the request elsewhere);
 * `lb://orders/api` as `baseURL` with `users/1` as `url` asks for `lb://orders/api/users/1`. ERR_INVALID_URL for an
 * `http:`/`https:` URL without `//`, as axios.
 */
export function lbUrlOf(config: InternalAxiosRequestConfig): string | undefined {
  const url = config.baseURL
    ? URLS.getUri({ baseURL: config.baseURL, url: config.url, allowAbsoluteUrls: config.allowAbsoluteUrls })
    : config.url;
  return isLbUrl(url) ? url : undefined;
}

/**
 * The whole URL axios' http adapter would request for `config`: `baseURL`, `url`, `params` and
 * `paramsSerializer`. An absolute `lb://` URL without `baseURL` or `params` is its own answer (axios would return
 * it unchanged: its protocol check matches only `http(s):`), which spares a merge of the whole config per request —
 * about 12 KB of garbage on the axios-on-undici path.
 */
export function requestUrlOf(config: InternalAxiosRequestConfig): string {
  if (config.params == null && !config.baseURL && isLbUrl(config.url)) return config.url;
  return URLS.getUri(config);
}
