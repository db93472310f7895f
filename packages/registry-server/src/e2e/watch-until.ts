/** Guard against a hang only; each wait ends as soon as the registry answers a watch. */
const GUARD_MS = 20_000;

/** An instance as the watch returns it (Eureka's JSON). */
export type WatchedInstance = Record<string, unknown> & { instanceId: string; status: string };

/**
 * Long-polls `GET /outrigger/watch/apps/{APP}` until `predicate` holds for the application's instances: event-driven
 * waiting on the registry itself, no sleeps.
 */
export async function watchUntil(
  baseUrl: string,
  app: string,
  predicate: (instances: WatchedInstance[]) => boolean,
  headers: Record<string, string> = {},
): Promise<WatchedInstance[]> {
  const deadline = Date.now() + GUARD_MS;
  let index = -1;
  let last: WatchedInstance[] = [];
  while (Date.now() < deadline) {
    const res = await fetch(`${baseUrl}/outrigger/watch/apps/${app}?index=${index}&wait=5s`, { headers });
    index = Number(res.headers.get("x-outrigger-index"));
    last = ((await res.json()) as { application: { instance: WatchedInstance[] } }).application.instance;
    if (predicate(last)) return last;
  }
  throw new Error(`${app} on ${baseUrl} never matched; last saw ${JSON.stringify(last.map((i) => i.instanceId))}`);
}

/** The instance ids of a watch answer, sorted. */
export function ids(instances: readonly WatchedInstance[]): string[] {
  return instances.map((i) => i.instanceId).sort();
}
