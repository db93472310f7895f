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
      tcp: { maxConnections: 100, connectTimeout: 30ms }
      http: { http1MaxPendingRequests: 10, http2MaxRequests: 50, maxRetries: 3 }
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
    retries: { attempts: 3, perTryTimeout: 500ms, retryOn: "5xx,connect-failure,503" }
    fault:
      delay: { fixedDelay: 100ms, percentage: { value: 10 } }
      abort: { httpStatus: 503, percentage: { value: 5 } }
    mirror: { host: reviews, subset: v2 }
    mirrorPercentage: { value: 20 }
`;

/** The second route of `ISTIO_PAIR` as the native model reads it. */
export const CANARY_ROUTE = {
  match: [{ uri: { prefix: "/api" }, method: { exact: "GET" } }],
  route: [
    { subset: "v1", weight: 95 },
    { subset: "v2", weight: 5 },
  ],
  timeout: "2s",
  retries: { attempts: 3, perTryTimeout: "500ms", retryOn: ["5xx", "connect-failure", "503"] },
  fault: { delay: { fixedDelay: "100ms", percentage: 10 }, abort: { httpStatus: 503, percentage: 5 } },
  mirror: { subset: "v2", percentage: 20 },
};
