// The caller: all it does to govern its calls is the marked lines; which instance it picks, how often it retries and
// how fast it may call each service come from its config directory (config/default.json), reloaded live.
import { createOutrigger, type Outrigger } from "@outrigger/node"; // governance 1

/** Starts the caller on `configDir`, a ConfigMap-style directory (a mounted ConfigMap in Kubernetes). */
export function startCaller(configDir: string): Promise<Outrigger> {
  return createOutrigger({ service: "caller", port: 0, config: configDir }); // governance 2
}

/** One GET of `lb://<service>/` through that service's balancer and policy; resolves with its `from` field. */
export async function call(og: Outrigger, service: string): Promise<string> {
  const { data } = await og.http.get<{ from: string }>(`lb://${service}/`); // governance 3
  return data.from;
}
