import { redactUrl } from "@outrigger/core";
import { legacyHandlerOf } from "@outrigger/loadbalancer/undici";
import { OutriggerNodeError } from "./errors.js";

/**
 * Why `og.fetch` or `og.dispatcher` refuses `url`, as an OUTRIGGER_INVALID_URL whose message shows the URL with its
 * userinfo redacted; undefined when it is fine. Node's fetch refuses both cases itself with a TypeError that repeats
 * the URL as given, password included ("Request cannot be constructed from a URL that includes credentials: …",
 * "Failed to parse URL from …"); the dispatcher would take `http://user:pw@inventory` as the service `inventory`
 * and drop the credentials silently. `lb://` URLs are checked by `parseLbUrl` (LB_INVALID_URL, redacted).
 */
export function urlRefusal(url: string, where: string): OutriggerNodeError | undefined {
  if (!URL.canParse(url)) {
    return new OutriggerNodeError(
      "OUTRIGGER_INVALID_URL",
      `${where} got "${redactUrl(url)}", which is not a URL: write lb://<service>/<path> or an absolute http(s) URL.`,
    );
  }
  const { username, password } = new URL(url);
  if (username === "" && password === "") return undefined;
  return new OutriggerNodeError(
    "OUTRIGGER_INVALID_URL",
    `${where} got "${redactUrl(url)}", which carries credentials in the URL: send them in a header (e.g. Authorization) instead.`,
  );
}

/** The part of a dispatcher the guard wraps (undici's `Dispatcher.dispatch`). */
interface Dispatching {
  dispatch(
    options: { readonly origin?: unknown; readonly upgrade?: unknown; readonly method?: unknown },
    handler: { onError?(error: Error): void },
  ): boolean;
}

/**
 * Makes `dispatcher.dispatch` refuse an origin with userinfo (`http://user:pw@inventory`) with OUTRIGGER_INVALID_URL
 * through the handler's `onError`, as undici reports any dispatch error, instead of balancing it as `inventory`.
 * `lb://` origins go on to the dispatcher, whose `parseLbUrl` refuses them (LB_INVALID_URL, redacted).
 */
export function guardDispatcher<D extends Dispatching>(dispatcher: D): D {
  const dispatch = dispatcher.dispatch.bind(dispatcher);
  dispatcher.dispatch = (options, handler) => {
    const origin = options.origin === undefined ? "" : String(options.origin);
    const refused = origin.includes("@") && !origin.startsWith("lb:") ? urlRefusal(origin, "og.dispatcher") : undefined;
    if (!refused) return dispatch(options, handler);
    // Node 26's fetch hands undici 8's handler shape (no onError): bridged, or the refusal would go unheard.
    legacyHandlerOf(handler, options).onError?.(refused);
    return true;
  };
  return dispatcher;
}
