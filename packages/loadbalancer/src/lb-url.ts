import { LbError } from "./errors.js";

/** A parsed `lb://service/path?query` URL. */
export interface LbUrl {
  readonly service: string;
  /** Path with query string, always starting with `/`. */
  readonly path: string;
}

const LB_SCHEME = "lb://";

/** True when `url` names a service to balance over rather than a host. */
export function isLbUrl(url: string | undefined): url is string {
  return url?.startsWith(LB_SCHEME) ?? false;
}

/** Splits `lb://service/path` into the service name and the path to send. */
export function parseLbUrl(url: string): LbUrl {
  const rest = url.slice(LB_SCHEME.length);
  const cut = rest.search(/[/?#]/);
  const service = cut === -1 ? rest : rest.slice(0, cut);
  const path = cut === -1 ? "/" : rest.slice(cut);
  if (!service) throw new LbError("LB_INVALID_URL", `"${url}" names no service: write lb://<service>/<path>`);
  return { service: service.toLowerCase(), path: path.startsWith("/") ? path : `/${path}` };
}
