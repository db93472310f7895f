import type { DeadlineQueue, RetryEngine } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import type { Dispatcher } from "undici";
import type { AttemptPolicy } from "./attempt-policy.js";
import { LbError } from "./errors.js";
import type { Balancer } from "./pick.js";
import type { BalancedCall } from "./undici-call.js";

/** The service a request goes to and how: the same for every request to it until the dispatcher's options change. */
export interface CallRoute {
  readonly service: string;
  readonly balancer: Balancer;
  readonly engine: RetryEngine;
  readonly policy: AttemptPolicy | undefined;
}

/** What a balanced request uses of its dispatcher: the instances' pools and the shared timeout queues. */
export interface CallHost {
  /** The pool of `instance`, where the attempt is dispatched. */
  poolOf(instance: ServiceInstance): Dispatcher;
  /** Per-try timeouts (one queue, one timer, for all requests); undefined: none. */
  readonly perTry: DeadlineQueue | undefined;
  /** Request deadlines; undefined: none. */
  readonly deadlines: DeadlineQueue | undefined;
  /** A per-try timeout whose timer ran more than this late (ms) is the client's lag, not the instance's fault. */
  readonly localLagThresholdMs: number;
  /** The call's caller has heard its fate (its answer ended, or its error): the dispatcher stops waiting on it. */
  ended(call: BalancedCall): void;
}

/** LB_BODY_NOT_REPLAYABLE: a retry was wanted, but the request's stream body was already read. */
export function notReplayable(cause: unknown): LbError {
  return new LbError(
    "LB_BODY_NOT_REPLAYABLE",
    "The request failed and would be retried, but its body is a stream that was already read: send a string or " +
      "a Buffer to let it be retried on another instance",
    { cause },
  );
}
