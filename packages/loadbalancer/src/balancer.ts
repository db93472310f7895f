import type { Instancer, ServiceInstance } from "@outrigger/discovery";
import { LbError } from "./errors.js";
import { RoundRobinRule } from "./round-robin.js";
import type { Rule } from "./rule.js";

/** How one request to a picked instance went; feeds load metrics and stats. */
export interface Outcome {
  readonly ok: boolean;
  readonly status?: number;
  readonly rttMs?: number;
}

/** A chosen instance and the call that reports how the request to it went. */
export interface Pick {
  readonly instance: ServiceInstance;
  done(outcome: Outcome): void;
}

/** What a caller can ask of one pick. */
export interface PickOptions {
  /** Instance ids to avoid (e.g. ones a retry already tried); ignored when nothing else is left. */
  readonly avoid?: ReadonlySet<string>;
}

/** Picks an instance of one service for each request. */
export interface Balancer {
  pick(options?: PickOptions): Pick;
}

/** Settings of a balancer. */
export interface BalancerOptions {
  readonly instancer: Instancer;
  /** Default: round robin. */
  readonly rule?: Rule;
}

const noop = (): void => {};

/** A balancer over an instancer's current snapshot: only UP instances, then the rule. */
export function createBalancer(options: BalancerOptions): Balancer {
  const rule = options.rule ?? new RoundRobinRule();
  return {
    pick(pickOptions: PickOptions = {}): Pick {
      const up = options.instancer.current().instances.filter((i) => i.status === "UP");
      if (up.length === 0) {
        throw new LbError("LB_NO_INSTANCES", "No UP instance to send to: check the service's registrations");
      }
      const avoid = pickOptions.avoid;
      const fresh = avoid && avoid.size > 0 ? up.filter((i) => !avoid.has(i.id)) : up;
      const instance = rule.choose(fresh.length > 0 ? fresh : up);
      return { instance, done: noop };
    },
  };
}
