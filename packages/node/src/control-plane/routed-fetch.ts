import { setTimeout as delay } from "node:timers/promises";
import { isLbUrl, parseLbUrl } from "@outrigger/loadbalancer";
import type { Mirror } from "./mirror.js";
import type { CompiledRoute, PolicySnapshot } from "./policy-snapshot.js";
import type { RequestFacts } from "./route-match.js";
import { runRouted } from "./routed-call.js";

/** What the routed fetch reads of the control plane. */
export interface RoutedFetchDeps {
  snapshot(service: string): PolicySnapshot | undefined;
  /** A wait for the service's first policy answer, when it has not come yet. */
  ready(service: string): Promise<void> | undefined;
  random(): number;
  readonly mirror: Mirror;
}

type Fetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** The service and request target of an `og.fetch` URL (`lb://svc/p` or `http://svc/p`); undefined for others. */
function target(input: string | URL): { service: string; path: string } | undefined {
  const url = String(input);
  if (isLbUrl(url)) return parseLbUrl(url);
  try {
    const parsed = new URL(url);
    return { service: parsed.hostname, path: `${parsed.pathname}${parsed.search}` };
  } catch {
    return undefined;
  }
}

/** Envoy answers a request no route matches with 404 (response flag NR); the control plane does the same. */
const noRoute = () => new Response("no route matched", { status: 404, headers: { "x-outrigger-policy": "no-route" } });

/** A body a copy can send again: anything but a stream. */
const replayable = (body: unknown) => body === undefined || body === null || !(body instanceof ReadableStream);

/**
 * `og.fetch` under the service's policy revision: the first route whose match fits takes the request (none: 404, as
 * Envoy), a weighted draw picks its subset, fault injection delays and/or aborts the given shares (delay first, then
 * abort, as Envoy's fault filter), a mirrored share is copied to the mirror subset fire-and-forget, and the call runs
 * under its choice (`runRouted`) so its retries stay on it. Without a revision for the service the call is `next`'s.
 */
export async function routedFetch(
  deps: RoutedFetchDeps,
  input: string | URL,
  init: RequestInit | undefined,
  next: Fetch,
): Promise<Response> {
  const to = target(input);
  const first = to && deps.ready(to.service);
  if (first) await first;
  const snapshot = to && deps.snapshot(to.service);
  if (!to || !snapshot) return next(input, init);
  const service = to.service.toUpperCase();
  const headers = new Headers(init?.headers);
  const facts: RequestFacts = {
    method: init?.method ?? "GET",
    path: to.path,
    header: (name) => headers.get(name) ?? undefined,
  };
  if (snapshot.routes.length === 0) return next(input, init);
  const route = snapshot.routes.find((r) => r.matches(facts));
  if (!route) return noRoute();
  const draw = deps.random() * 100;
  const chosen = route.targets.find((t) => draw < t.upTo) ?? route.targets[route.targets.length - 1];
  const fault = await injectFault(route, deps, init?.signal ?? undefined);
  if (fault) return fault;
  if (route.mirror && deps.random() * 100 < route.mirror.percentage && replayable(init?.body)) {
    const copy = { service, subset: route.mirror.subset, pipeline: snapshot.mirrorPipeline };
    deps.mirror.send(() =>
      runRouted(copy, async () => {
        const answer = await next(input, { ...init, signal: null });
        await answer.body?.cancel();
      }),
    );
  }
  return runRouted({ service, subset: chosen?.subset, pipeline: route.pipeline }, () => next(input, init));
}

/** The route's fault for this request: a delay (awaited, ended by the caller's signal), then maybe an abort answer. */
async function injectFault(
  route: CompiledRoute,
  deps: RoutedFetchDeps,
  signal: AbortSignal | undefined,
): Promise<Response | undefined> {
  const { fault } = route;
  if (!fault) return undefined;
  if (fault.delay && deps.random() * 100 < fault.delay.percentage) {
    await delay(fault.delay.fixedDelayMs, undefined, signal ? { signal } : {});
  }
  if (fault.abort && deps.random() * 100 < fault.abort.percentage) {
    return new Response("fault filter abort", {
      status: fault.abort.httpStatus,
      headers: { "x-outrigger-fault": "abort" },
    });
  }
  return undefined;
}
