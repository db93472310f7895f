import { isLbUrl, parseLbUrl } from "@outrigger/loadbalancer";
import { type AxiosAdapter, AxiosError, AxiosHeaders, type AxiosInstance, type AxiosResponse } from "axios";
import { decideRoute, type RouteDeps } from "./route-decision.js";
import { runRouted } from "./routed-call.js";

/** A body a copy can send again: anything but a stream. */
const replayable = (data: unknown) => typeof (data as { pipe?: unknown } | undefined)?.pipe !== "function";

/**
 * `og.http` under the service's policy revision, as `routedFetch`: its adapter is wrapped so the whole call (the
 * load-balanced adapter, its retries) runs under the call's choice. A local answer (no route, fault abort) settles
 * as axios does (`validateStatus`: an AxiosError ERR_BAD_RESPONSE/REQUEST carrying the response).
 */
export function routeAxios(deps: RouteDeps, http: AxiosInstance): void {
  const base = http.defaults.adapter as AxiosAdapter;
  http.defaults.adapter = async (config) => {
    if (!isLbUrl(config.url)) return base(config);
    const { service, path } = parseLbUrl(config.url as string);
    const headers = AxiosHeaders.from(config.headers);
    const facts = {
      method: config.method ?? "GET",
      path,
      header: (name: string) => {
        const value = headers.get(name);
        return value === undefined || value === null ? undefined : String(value);
      },
    };
    const decision = await decideRoute(deps, service, facts, (config.signal as AbortSignal | undefined) ?? undefined);
    if (decision.kind === "pass") return base(config);
    if (decision.kind === "answer") {
      const response: AxiosResponse = {
        data: decision.body,
        status: decision.status,
        statusText: "",
        headers: new AxiosHeaders({ "x-outrigger-policy": decision.header }),
        config,
      };
      if (!config.validateStatus || config.validateStatus(decision.status)) return response;
      const code = decision.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST;
      throw new AxiosError(`Request failed with status code ${decision.status}`, code, config, undefined, response);
    }
    const { mirror } = decision;
    if (mirror && replayable(config.data)) {
      deps.mirror.send(() => runRouted(mirror, () => base({ ...config, signal: undefined })));
    }
    return runRouted(decision.choice, () => base(config));
  };
}
