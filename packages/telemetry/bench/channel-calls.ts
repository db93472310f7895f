// The channel path's unit of work, shared by the benchmark (request-path.ts) and the profiler (profile-arm.ts): one
// call with one attempt, published as the load balancer's channels.ts helpers publish it, no I/O.
import { describeCall } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { type AttemptMessage, type CallMessage, lbTraceChannels } from "@outrigger/loadbalancer";

/** The one instance every published attempt goes to. */
export const instance: ServiceInstance = {
  id: "svc-1",
  service: "svc",
  host: "127.0.0.1",
  port: 8080,
  secure: false,
  status: "UP",
  metadata: {},
};

/**
 * The batch yields to the microtask queue every this many calls, as a server does between requests: the batching
 * span processor exports (and lets go of) its spans then, instead of holding a whole batch's spans until its end,
 * which would make the collector copy thousands of live spans and inflate every SDK arm.
 */
export const YIELD_EVERY = 32;

/** Publishes `calls` calls of one attempt each (only the messages somebody subscribes to are built). */
export async function publishCalls(calls: number): Promise<void> {
  const { callStart, callEnd, attemptStart, attemptEnd } = lbTraceChannels;
  for (let i = 0; i < calls; i++) {
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await undefined;
    const context = describeCall({ method: "GET", service: "svc" });
    if (!callStart.hasSubscribers) continue;
    const call: CallMessage = {
      service: "svc",
      method: "GET",
      path: "/x",
      context,
      rule: "round-robin",
      startedAt: performance.now(),
    };
    callStart.publish(call);
    if (!(attemptStart.hasSubscribers || attemptEnd.hasSubscribers)) {
      if (callEnd.hasSubscribers) callEnd.publish({ call, status: 200, error: undefined });
      continue;
    }
    const attempt: AttemptMessage = {
      call,
      instance,
      url: "http://127.0.0.1:8080/x",
      startedAt: performance.now(),
      headers: {},
    };
    if (attemptStart.hasSubscribers) attemptStart.publish(attempt);
    if (attemptEnd.hasSubscribers) attemptEnd.publish({ attempt, status: 200, error: undefined });
    if (callEnd.hasSubscribers) callEnd.publish({ call, status: 200, error: undefined });
  }
}
