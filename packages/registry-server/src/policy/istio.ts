import { defined, FieldWalker, isObj, type Obj } from "./field-walker.js";
import { SERVICE_NAME } from "./service-name.js";

/**
 * Istio `networking.istio.io/v1` and `v1beta1` VirtualService and DestinationRule, read into the parts of a service
 * policy they map onto. Field names follow Istio's API reference (networking/v1 `virtual_service.proto`,
 * `destination_rule.proto`); durations (`"10s"`) become the model's `…Ms` integers, `retries.attempts` (retries
 * after the first) becomes `retry.maxAttempts` (every attempt), `connectionPool.http` becomes the bulkhead. Every
 * field outside the mapped subset is collected in `unsupported` by its path, every bad duration in `invalid`.
 */
export interface IstioImport {
  readonly service: string;
  readonly part: "routes" | "destination";
  readonly value: unknown;
  readonly unsupported: readonly string[];
  readonly invalid: readonly string[];
}

/** The API groups accepted; `v1alpha3` differs in defaults and is refused rather than guessed at. */
export const ISTIO_API_VERSIONS = ["networking.istio.io/v1", "networking.istio.io/v1beta1"] as const;

const WILDCARD = "a wildcard or empty host names no one service: name the service's host";

/** A host's service name: its first DNS label (`reviews.prod.svc.cluster.local` is `reviews`), upper-cased as Eureka. */
export function serviceOfHost(host: string): string {
  return (host.split(".")[0] ?? host).toUpperCase();
}

const percentValue = (w: FieldWalker, value: unknown, path: string): number | undefined =>
  value === undefined ? undefined : (w.object(value, path, ["value"]).value as number | undefined);

function stringMatches(w: FieldWalker, value: unknown, path: string): unknown {
  if (value === undefined) return undefined;
  w.object(value, path, ["exact", "prefix", "regex"]);
  return value;
}

/** Reads a VirtualService's `spec.http` into routes. */
export function importVirtualService(doc: Obj): IstioImport {
  const w = new FieldWalker();
  w.object(doc, "", ["apiVersion", "kind", "metadata", "spec"]);
  const spec = w.object(doc.spec, "spec", ["hosts", "http", "exportTo"]);
  const hosts = w.array(spec.hosts, "spec.hosts");
  for (let i = 1; i < hosts.length; i += 1) w.refuse(hosts[i], `spec.hosts[${i}]`, "one host per VirtualService");
  const host = String(hosts[0] ?? "");
  const service = serviceOfHost(host);
  // `*.example.com` (or `*`) routes many hosts in Istio; a policy is one service's, and a key of `*` reached none.
  if (hosts.length > 0 && !SERVICE_NAME.test(service)) w.refuse(true, "spec.hosts[0]", WILDCARD);
  const routes = w.array(spec.http, "spec.http").map((entry, i) => {
    const p = `spec.http[${i}]`;
    const http = w.object(entry, p, [
      "name",
      "match",
      "route",
      "timeout",
      "retries",
      "fault",
      "mirror",
      "mirrorPercentage",
    ]);
    const match = w.array(http.match, `${p}.match`).map((m, j) => {
      const mp = `${p}.match[${j}]`;
      const one = w.object(m, mp, ["name", "uri", "method", "headers"]);
      const headers = isObj(one.headers)
        ? Object.fromEntries(
            Object.entries(one.headers).map(([k, v]) => [k, stringMatches(w, v, `${mp}.headers.${k}`)]),
          )
        : undefined;
      const method = stringMatches(w, one.method, `${mp}.method`);
      if (isObj(method) && method.exact === undefined) w.refuse(method, `${mp}.method`, "only exact");
      return defined({ uri: stringMatches(w, one.uri, `${mp}.uri`), method, headers });
    });
    const route = w.array(http.route, `${p}.route`).map((r, k) => {
      const rp = `${p}.route[${k}]`;
      const one = w.object(r, rp, ["destination", "weight"]);
      const dest = w.object(one.destination, `${rp}.destination`, ["host", "subset"]);
      if (dest.host !== undefined && serviceOfHost(String(dest.host)) !== service) {
        w.refuse(dest.host, `${rp}.destination.host`, "routes to another host");
      }
      return defined({ subset: dest.subset, weight: one.weight });
    });
    // Outrigger retries what is safe to retry (not-sent failures, timeouts, 429/502/503/504: @outrigger/resilience's
    // retryable.ts): Envoy's retryOn conditions are not mapped, so a VirtualService naming them is refused.
    const retries = w.object(http.retries, `${p}.retries`, ["attempts", "perTryTimeout"]);
    const fault = w.object(http.fault, `${p}.fault`, ["delay", "abort"]);
    const delay = w.object(fault.delay, `${p}.fault.delay`, ["fixedDelay", "percentage", "percent"]);
    const abort = w.object(fault.abort, `${p}.fault.abort`, ["httpStatus", "percentage"]);
    const mirror = w.object(http.mirror, `${p}.mirror`, ["host", "subset"]);
    if (mirror.host !== undefined && serviceOfHost(String(mirror.host)) !== service) {
      w.refuse(mirror.host, `${p}.mirror.host`, "mirrors to another host");
    }
    const timeout = defined({
      perTryMs: w.duration(retries.perTryTimeout, `${p}.retries.perTryTimeout`),
      totalMs: w.duration(http.timeout, `${p}.timeout`),
    });
    return defined({
      name: http.name,
      match: http.match === undefined ? undefined : match,
      route,
      timeout: Object.keys(timeout).length > 0 ? timeout : undefined,
      // Istio's attempts counts retries; the model's maxAttempts counts the first attempt too.
      retry:
        retries.attempts === undefined
          ? undefined
          : { maxAttempts: typeof retries.attempts === "number" ? retries.attempts + 1 : retries.attempts },
      // Istio reads an absent `percentage` as the legacy integer `percent`, 0 when absent too: no request is delayed
      // or aborted (pilot/pkg/networking/core/route/route.go, translateFault). 100 here aborted every request.
      fault:
        http.fault === undefined
          ? undefined
          : defined({
              delay:
                fault.delay === undefined
                  ? undefined
                  : {
                      fixedDelayMs: w.duration(delay.fixedDelay, `${p}.fault.delay.fixedDelay`),
                      percentage:
                        percentValue(w, delay.percentage, `${p}.fault.delay.percentage`) ?? delay.percent ?? 0,
                    },
              abort:
                fault.abort === undefined
                  ? undefined
                  : {
                      httpStatus: abort.httpStatus,
                      percentage: percentValue(w, abort.percentage, `${p}.fault.abort.percentage`) ?? 0,
                    },
            }),
      // Istio mirrors 100% when mirrorPercentage is absent.
      mirror:
        http.mirror === undefined
          ? undefined
          : defined({
              subset: mirror.subset,
              percentage: percentValue(w, http.mirrorPercentage, `${p}.mirrorPercentage`) ?? 100,
            }),
    });
  });
  if (hosts.length === 0) w.refuse(true, "spec.hosts", "one host is required");
  return { service, part: "routes", value: routes, unsupported: w.unsupported, invalid: w.invalid };
}

/** Istio's `simple` balancers as `@outrigger/loadbalancer` rule names; LEAST_CONN is Istio's deprecated alias. */
const SIMPLE: Record<string, string> = {
  ROUND_ROBIN: "round-robin",
  RANDOM: "random",
  LEAST_REQUEST: "p2c-least-request",
  LEAST_CONN: "p2c-least-request",
};

/**
 * A (subset's) traffic policy: `loadBalancer.simple` is the rule, outlier detection keeps Envoy's names in `…Ms`,
 * and `connectionPool.http` is the bulkhead — `http2MaxRequests` (Envoy's max_requests: requests in flight) its
 * `maxConcurrent`, `http1MaxPendingRequests` (max_pending_requests) its `maxQueue`. TCP settings, per-connection
 * limits and retry concurrency have no counterpart in the SDK and are refused.
 */
function trafficPolicy(w: FieldWalker, value: unknown, p: string): Obj | undefined {
  if (value === undefined) return undefined;
  const tp = w.object(value, p, ["loadBalancer", "outlierDetection", "connectionPool"]);
  const lb = w.object(tp.loadBalancer, `${p}.loadBalancer`, ["simple"]);
  if (lb.simple !== undefined && !SIMPLE[String(lb.simple)])
    w.refuse(lb.simple, `${p}.loadBalancer.simple`, `${lb.simple}`);
  const od = w.object(tp.outlierDetection, `${p}.outlierDetection`, [
    "consecutive5xxErrors",
    "interval",
    "baseEjectionTime",
    "maxEjectionPercent",
  ]);
  const pool = w.object(tp.connectionPool, `${p}.connectionPool`, ["http"]);
  const h = w.object(pool.http, `${p}.connectionPool.http`, ["http1MaxPendingRequests", "http2MaxRequests"]);
  if (h.http1MaxPendingRequests !== undefined && h.http2MaxRequests === undefined) {
    w.refuse(true, `${p}.connectionPool.http.http1MaxPendingRequests`, "needs http2MaxRequests, the bulkhead's size");
  }
  return defined({
    rule: lb.simple === undefined ? undefined : { name: SIMPLE[String(lb.simple)] ?? "round-robin" },
    outlierDetection:
      tp.outlierDetection === undefined
        ? undefined
        : defined({
            consecutive5xx: od.consecutive5xxErrors,
            intervalMs: w.duration(od.interval, `${p}.outlierDetection.interval`),
            baseEjectionTimeMs: w.duration(od.baseEjectionTime, `${p}.outlierDetection.baseEjectionTime`),
            maxEjectionPercent: od.maxEjectionPercent,
            // Istio sets no always_eject_one_host: its Envoy caps strictly (envoyproxy/envoy#27909), so does the SDK.
            alwaysEjectOneHost: false,
          }),
    bulkhead:
      h.http2MaxRequests === undefined
        ? undefined
        : defined({ maxConcurrent: h.http2MaxRequests, maxQueue: h.http1MaxPendingRequests }),
  });
}

/** Reads a DestinationRule's traffic policy and subsets into a destination policy. */
export function importDestinationRule(doc: Obj): IstioImport {
  const w = new FieldWalker();
  w.object(doc, "", ["apiVersion", "kind", "metadata", "spec"]);
  const spec = w.object(doc.spec, "spec", ["host", "trafficPolicy", "subsets", "exportTo"]);
  if (typeof spec.host !== "string") w.refuse(true, "spec.host", "a host is required");
  else if (!SERVICE_NAME.test(serviceOfHost(spec.host))) w.refuse(true, "spec.host", WILDCARD);
  const subsets = w.array(spec.subsets, "spec.subsets").map((s, i) => {
    const one = w.object(s, `spec.subsets[${i}]`, ["name", "labels", "trafficPolicy"]);
    return defined({
      name: one.name,
      labels: one.labels,
      trafficPolicy: trafficPolicy(w, one.trafficPolicy, `spec.subsets[${i}].trafficPolicy`),
    });
  });
  const value = {
    ...trafficPolicy(w, spec.trafficPolicy, "spec.trafficPolicy"),
    ...(spec.subsets === undefined ? {} : { subsets }),
  };
  return {
    service: serviceOfHost(String(spec.host ?? "")),
    part: "destination",
    value,
    unsupported: w.unsupported,
    invalid: w.invalid,
  };
}
