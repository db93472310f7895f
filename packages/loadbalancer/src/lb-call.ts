/**
 * One logical call across the retries of a policy *around* the client (`policy.execute(() =>
 * http.get("lb://svc/x", { lb: { call } }))`): the instances its earlier executions already tried, so the next one
 * picks another first. Each execution through the client is otherwise a new call with nothing tried, and re-picks
 * the instance that just failed. The rule is Envoy's `previous_hosts` retry predicate (envoyproxy/envoy
 * source/extensions/retry/host/previous_hosts/previous_hosts.h: a host already attempted is picked again only when
 * no other is found) and Ribbon's `MaxAutoRetriesNextServer` (ribbon-loadbalancer's LoadBalancerCommand.java:
 * next-server retries re-select within one execution context per logical call). Make one per logical call with
 * `createLbCall()` and pass it to every execution: nothing is ambient. Avoidance is a preference, as for the
 * client's own retries: with every instance tried, the pick goes back to a tried one. One per call: two calls
 * sharing one would steer each other.
 */
export interface LbCall {
  /** Instance ids tried so far by this logical call, in order; the client adds each instance it sends to. */
  readonly tried: Set<string>;
}

/** A new logical call with nothing tried (see `LbCall`). */
export function createLbCall(): LbCall {
  return { tried: new Set<string>() };
}

/** Where a request's `LbCall` travels from the axios adapter to the lb undici dispatcher (dispatch options). */
export const LB_CALL = Symbol.for("outrigger.lbCall");
