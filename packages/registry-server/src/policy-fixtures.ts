import { buildApp } from "./app.js";
import { Registry } from "./registry.js";

// Field names from Istio's API reference (networking/v1 virtual_service.proto, destination_rule.proto); the pair
// follows Istio's bookinfo `reviews` samples (samples/bookinfo/networking/*.yaml).
/** A DestinationRule and VirtualService pair for tests: canary subsets, 95/5 split, retries, faults, mirror. */
export const ISTIO_PAIR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews.prod.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
    connectionPool:
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 50 }
    outlierDetection:
      consecutive5xxErrors: 7
      interval: 5m
      baseEjectionTime: 15m
  subsets:
  - name: v1
    labels: { version: v1 }
  - name: v2
    labels: { version: v2 }
    trafficPolicy:
      loadBalancer: { simple: ROUND_ROBIN }
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews.prod.svc.cluster.local
  http:
  - match:
    - headers:
        x-canary: { exact: "true" }
    route:
    - destination: { host: reviews.prod.svc.cluster.local, subset: v2 }
  - match:
    - uri: { prefix: /api }
      method: { exact: GET }
    route:
    - destination: { host: reviews, subset: v1 }
      weight: 95
    - destination: { host: reviews, subset: v2 }
      weight: 5
    timeout: 2s
    retries: { attempts: 3, perTryTimeout: 500ms }
    fault:
      delay: { fixedDelay: 100ms, percentage: { value: 10 } }
      abort: { httpStatus: 503, percentage: { value: 5 } }
    mirror: { host: reviews, subset: v2 }
    mirrorPercentage: { value: 20 }
`;

/** The second route of `ISTIO_PAIR` in the model (`@outrigger/policy`): durations in ms, attempts count the first. */
export const CANARY_ROUTE = {
  match: [{ uri: { prefix: "/api" }, method: { exact: "GET" } }],
  route: [
    { subset: "v1", weight: 95 },
    { subset: "v2", weight: 5 },
  ],
  timeout: { perTryMs: 500, totalMs: 2000 },
  retry: { maxAttempts: 4 },
  fault: { delay: { fixedDelayMs: 100, percentage: 10 }, abort: { httpStatus: 503, percentage: 5 } },
  mirror: { subset: "v2", percentage: 20 },
};

/** The write and read tokens of `appWithPolicy`'s registry. */
export const POLICY_TOKENS = { write: "w-s3cret", read: "r-s3cret" } as const;

/**
 * A registry app (not listening: `inject`, or `listen` it) with both tokens and a policy for service `orders`
 * (revision 1); throws when the PUT is refused. The caller closes it.
 */
export async function appWithPolicy(registry = new Registry()): Promise<ReturnType<typeof buildApp>> {
  const server = buildApp({ registry, token: POLICY_TOKENS.write, readToken: POLICY_TOKENS.read });
  const put = await server.inject({
    method: "PUT",
    url: "/outrigger/policy/services/orders",
    headers: { authorization: `Bearer ${POLICY_TOKENS.write}` },
    payload: { destination: { retry: { maxAttempts: 2 } } },
  });
  if (put.statusCode !== 200) throw new Error(`policy PUT answered ${put.statusCode}: ${put.body}`);
  return server;
}
