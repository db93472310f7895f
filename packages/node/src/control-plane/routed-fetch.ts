import { isLbUrl, parseLbUrl } from "@outrigger/loadbalancer";
import { decideRoute, type RouteDeps } from "./route-decision.js";
import { runRouted } from "./routed-call.js";

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

/** A body a copy can send again: anything but a stream. */
const replayable = (body: unknown) => body === undefined || body === null || !(body instanceof ReadableStream);

/**
 * `og.fetch` under the service's policy revision (`decideRoute`): answered locally for no route or a fault abort,
 * else sent under its choice (`runRouted`) so its retries stay on it, with a fire-and-forget copy when mirrored.
 */
export async function routedFetch(
  deps: RouteDeps,
  input: string | URL,
  init: RequestInit | undefined,
  next: Fetch,
): Promise<Response> {
  const to = target(input);
  if (!to) return next(input, init);
  const headers = new Headers(init?.headers);
  const facts = {
    method: init?.method ?? "GET",
    path: to.path,
    header: (name: string) => headers.get(name) ?? undefined,
  };
  const decision = await decideRoute(deps, to.service, facts, init?.signal ?? undefined);
  if (decision.kind === "pass") return next(input, init);
  if (decision.kind === "answer") {
    return new Response(decision.body, { status: decision.status, headers: { "x-outrigger-policy": decision.header } });
  }
  const { mirror } = decision;
  if (mirror && replayable(init?.body)) {
    deps.mirror.send(() =>
      runRouted(mirror, async () => {
        const answer = await next(input, { ...init, signal: null });
        await answer.body?.cancel();
      }),
    );
  }
  return runRouted(decision.choice, () => next(input, init));
}
