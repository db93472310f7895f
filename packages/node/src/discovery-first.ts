import type { AttemptPolicy } from "@outrigger/loadbalancer/undici";
import type { ServiceBalancer } from "./service-balancer.js";

/**
 * `inner` with discovery's first answer about the service awaited once per call, before its first attempt
 * (`ServiceBalancer.firstInstances`): the wait belongs to the call, as Envoy's cluster warming precedes any request
 * to a new cluster, so a per-try timeout shorter than `clients.waitForInstancesMs` no longer ends it and reports a
 * timeout where the service is unknown. Once the service has shown an instance this adds one method call.
 */
export function discoveryFirst(balancer: ServiceBalancer, inner: AttemptPolicy): AttemptPolicy {
  return {
    execute(fn, signal, call) {
      const wait = balancer.firstInstances(signal);
      return wait ? wait.then(() => inner.execute(fn, signal, call)) : inner.execute(fn, signal, call);
    },
  };
}
