import { type Disposable, EventSource, monotonicClock } from "@outrigger/core";
import type { ServiceInstance } from "@outrigger/discovery";
import { ActiveHealth } from "./active-health.js";
import type { BalancerOptions } from "./balancer-options.js";
import { BalancerPick, type PickSink } from "./balancer-pick.js";
import { lbChannels, publish } from "./channels.js";
import { checkOption, LbError } from "./errors.js";
import { type Filter, type FilterRequest, inFlightCapFilter, triedFilter } from "./filters.js";
import { createHealthChecker, type HealthChange } from "./health-checker.js";
import { InServiceSet } from "./in-service.js";
import { InstanceSet } from "./instance-set.js";
import type { Outcome } from "./outcome.js";
import { OutlierDetector } from "./outlier-detector.js";
import type { Pick, PickOptions } from "./pick.js";
import { PickQueue } from "./pick-queue.js";
import { levelOrder, type PriorityLevel } from "./priority-levels.js";
import type { Rule, RuleContext } from "./rule.js";
import { type RuleSpec, ruleFromSpec } from "./rule-spec.js";
import type { Ejection, StatefulBalancer } from "./stateful-balancer.js";

/** Default wait for a free slot: HAProxy's `timeout queue` in the benchmark's sidecar, and a common choice. */
const QUEUE_TIMEOUT_MS = 1_000;
/** Envoy's default `max_pending_requests`: enough to ride out a burst, small enough to fail fast under overload. */
const MAX_QUEUED = 1_024;
/** Envoy's default `healthy_panic_threshold`. */
const PANIC_THRESHOLD_PERCENT = 50;

/** The name `ruleName` reports for a rule given as an object or a spec (round robin when none). */
const nameOf = (rule: Rule | RuleSpec | undefined): string =>
  rule === undefined ? "round-robin" : "choose" in rule ? "custom" : rule.name;
const asRule = (rule: Rule | RuleSpec | undefined): Rule =>
  rule === undefined ? ruleFromSpec({ name: "round-robin" }) : "choose" in rule ? rule : ruleFromSpec(rule);

function detectorFor(option: BalancerOptions["outlierDetection"]): OutlierDetector | undefined {
  if (option === false) return undefined;
  return new OutlierDetector(option === true || option === undefined ? {} : option);
}

/** The request-level filters, in order: retry avoidance, the caller's, the in-flight cap. */
function filtersFor(options: BalancerOptions): readonly Filter[] {
  const max = options.maxInFlightPerInstance;
  const cap =
    max === undefined ? [] : [inFlightCapFilter(checkOption("maxInFlightPerInstance", max, { min: 1, integer: true }))];
  return [triedFilter, ...(options.filters ?? []), ...cap];
}

/**
 * A balancer over an instancer's snapshots, in parts (linkerd2-proxy's split): the instance set and its stats, the
 * in-service set (active health, ejection owned by the outlier detector, panic), request filters (retry
 * avoidance, yours, in-flight cap), then the rule, which reads instances through a read-only view.
 */
export function createBalancer(options: BalancerOptions): StatefulBalancer {
  let rule = asRule(options.rule);
  let ruleName = nameOf(options.rule);
  const clock = options.clock ?? monotonicClock;
  const random = options.random ?? Math.random;
  const filters = filtersFor(options);
  const queue = new PickQueue<Pick>(
    checkOption("queueTimeoutMs", options.queueTimeoutMs ?? QUEUE_TIMEOUT_MS, {}),
    checkOption("maxQueued", options.maxQueued ?? MAX_QUEUED, { integer: true }),
  );
  const panicThreshold = checkOption(
    "panic.thresholdPercent",
    options.panic?.thresholdPercent ?? PANIC_THRESHOLD_PERCENT,
    { max: 100 },
  );
  const failOnPanic = options.panic?.mode === "fail";
  let detector = detectorFor(options.outlierDetection);
  const set = new InstanceSet(options.stats);
  const ejections = new EventSource<Ejection>();
  const changed = (): void => {
    inService.invalidate();
    if (queue.size > 0) queue.drain();
  };
  const activeFor = (option: BalancerOptions["healthCheck"]): ActiveHealth | undefined =>
    option
      ? new ActiveHealth(
          createHealthChecker(options.instancer, option === true ? {} : option),
          detector,
          clock,
          changed,
        )
      : undefined;
  let active = activeFor(options.healthCheck);
  // Both read `detector` and `active` when asked, so either can be replaced live (setOutlierDetection,
  // setHealthCheck) without a new in-service set. With no detector nothing is ever ejected, so the panic threshold
  // (which only ejections can trip) changes nothing.
  const ejected = {
    excludes: (id: string, now: number) => detector?.isEjected(id, now) ?? false,
    until: (id: string) => detector?.ejectedUntil(id) ?? 0,
  };
  const availability = { excludes: (id: string) => active?.excludes(id) ?? false };
  const inService = new InServiceSet(availability, ejected, panicThreshold);

  const sync = (instances: readonly ServiceInstance[], initial: boolean): void => {
    const kept = set.replace(instances, clock.now(), initial);
    detector?.retain(kept);
    active?.retain(kept);
    inService.invalidate();
    if (!initial) queue.drain();
  };
  sync(options.instancer.current().instances, true);
  const subscription = options.instancer.onChange((snapshot) => sync(snapshot.instances, false));
  const view = (id: string) => set.get(id) as NonNullable<ReturnType<typeof set.get>>;
  // Rules ask at the pick's time; one shared function instead of a closure per pick.
  let pickNow = 0;
  const isEjected = (id: string): boolean => detector?.isEjected(id, pickNow) ?? false;

  /** Lets the outlier detector judge an outcome; announces what it ejected. */
  const judge = (id: string, outcome: Outcome, now: number): void => {
    if (!detector) return;
    const found = detector.record(id, outcome, set.ids, now);
    if (found.length === 0) return;
    inService.invalidate();
    for (const { id: ejectedId, reason, durationMs } of found) {
      const instance = set.up.find((i) => i.id === ejectedId);
      if (!instance) continue;
      active?.ejected(ejectedId);
      const ejection: Ejection = { instance, reason, durationMs };
      ejections.emit(ejection);
      publish(lbChannels.ejection, ejection);
    }
  };

  /** Every pick's outcome: stats, the outcome channel, the outlier detector, then a waiter for the slot. */
  const sink: PickSink = {
    finish(instance, stats, outcome) {
      const end = clock.now();
      stats.end(outcome, end);
      if (lbChannels.outcome.hasSubscribers) lbChannels.outcome.publish({ instance, outcome });
      if (set.get(instance.id) === stats) judge(instance.id, outcome, end);
      // After judging, so a waiter is not handed the slot of an instance that was just ejected.
      if (queue.size > 0) queue.drain(1);
    },
  };

  const panicked = (): LbError =>
    new LbError(
      "LB_PANIC",
      `Fewer than ${panicThreshold}% of the instances are in service (panic.mode "fail"): check the ejected instances, or use panic.mode "use-all"`,
    );

  /** Filters, then the rule, over `instances`; `all` is what the rule reads as the set (one level's UP ones). */
  const choose = (
    instances: readonly ServiceInstance[],
    eligible: readonly ServiceInstance[],
    all: readonly ServiceInstance[],
    pickOptions: PickOptions,
    now: number,
  ): Pick => {
    let candidates = instances;
    const request: FilterRequest = { now, options: pickOptions, eligible, stats: view };
    for (const filter of filters) candidates = filter.apply(candidates, request);
    const context: RuleContext = {
      now,
      stats: view,
      isEjected,
      all,
      key: pickOptions.key,
      retry: (pickOptions.attempt ?? (pickOptions.untriedOnly ? 2 : 1)) > 1,
    };
    // A rule is never asked to choose among nothing, and what it returns is checked: a custom rule returning
    // undefined/null (or an instance not in the set) gets the typed error, not a TypeError further down.
    const instance = candidates.length > 0 ? (rule.choose(candidates, context) as ServiceInstance | null) : undefined;
    const stats = instance ? set.get(instance.id) : undefined;
    if (!instance || !stats) throw noInstanceChosen(candidates.length, all.length);
    stats.start();
    // The message is built only when someone listens (this runs on every request).
    if (lbChannels.pick.hasSubscribers) lbChannels.pick.publish({ instance });
    return new BalancerPick(instance, stats, sink);
  };

  /**
   * Several priority levels: the drawn level first, with its own panic; the next ones when a level has nothing left
   * for this request (its filters found none, or in panic with panic.mode "fail"). The first level's refusal is
   * the one thrown when no level can take the request.
   */
  const chooseByLevel = (levels: readonly PriorityLevel[], pickOptions: PickOptions, now: number): Pick => {
    let refusal: LbError | undefined;
    for (const level of levelOrder(levels, random)) {
      if (level.instances.length === 0) continue;
      try {
        if (level.panic && failOnPanic) throw panicked();
        return choose(level.instances, level.eligible, level.up, pickOptions, now);
      } catch (error) {
        if (!(error instanceof LbError)) throw error;
        refusal ??= error;
      }
    }
    throw refusal ?? noInstanceChosen(0, set.up.length);
  };

  const pick = (pickOptions: PickOptions = {}): Pick => {
    const up = set.up;
    if (up.length === 0) {
      throw new LbError("LB_NO_INSTANCES", "No UP instance to send to: check the service's registrations");
    }
    const now = clock.now();
    pickNow = now;
    const current = inService.at(up, now);
    if (current.levels) return chooseByLevel(current.levels, pickOptions, now);
    if (current.panic && failOnPanic) throw panicked();
    return choose(current.instances, current.eligible, up, pickOptions, now);
  };

  // The checker's events, forwarded from whichever checker is in force (setHealthCheck replaces it).
  const healthy = new EventSource<HealthChange>();
  const unhealthy = new EventSource<HealthChange>();
  let forwarding: Disposable[] = [];
  const forward = (): void => {
    for (const subscription of forwarding) subscription.dispose();
    forwarding = active
      ? [active.checker.onHealthy((e) => healthy.emit(e)), active.checker.onUnhealthy((e) => unhealthy.emit(e))]
      : [];
  };
  forward();

  return {
    onEjection: ejections.event,
    onHealthy: healthy.event,
    onUnhealthy: unhealthy.event,
    get healthChecker() {
      return active?.checker;
    },
    setOutlierDetection(option) {
      if (option === false) detector = undefined;
      else if (detector) detector.configure(option === true ? {} : option);
      else detector = detectorFor(option);
      if (active) active.detector = detector;
      changed();
    },
    setHealthCheck(option) {
      const next = activeFor(option); // throws LB_INVALID_OPTION before anything changes
      active?.close();
      active = next;
      forward();
      changed();
    },
    stats(id) {
      const s = set.get(id);
      if (!s) return undefined;
      const now = clock.now();
      const d = detector?.state(id, now) ?? { consecutiveFailures: 0, ejections: 0, ejected: false };
      return {
        active: s.active,
        addedAt: s.addedAt,
        peakRttMs: s.peakRttMs(now),
        averageRttMs: s.averageRttMs(),
        failureLoad: s.failureLoad(now),
        ...d,
      };
    },
    setRule(next) {
      rule = asRule(next);
      ruleName = nameOf(next);
    },
    get ruleName() {
      return ruleName;
    },
    close: () => {
      subscription.dispose();
      for (const forwarded of forwarding) forwarded.dispose();
      active?.close();
    },
    pick,
    acquire: (pickOptions, signal) => queue.acquire(() => pick(pickOptions), signal),
    hasUntried(avoid) {
      const up = set.up;
      if (up.length === 0) return false;
      // The candidates the tried filter picks among before it throws LB_ALL_INSTANCES_TRIED (filters.ts).
      for (const instance of inService.at(up, clock.now()).instances) if (!avoid.has(instance.id)) return true;
      return false;
    },
  };
}

/** LB_NO_INSTANCES for a pick that found UP instances but nothing to send to (all out of service, or a rule's bug). */
function noInstanceChosen(candidates: number, up: number): LbError {
  return new LbError(
    "LB_NO_INSTANCES",
    candidates === 0
      ? `None of the ${up} UP instances is in service (ejected, failing health checks or filtered out) and panic is off (panic.thresholdPercent 0): wait for the ejections to end, or set panic.thresholdPercent above 0`
      : `The rule chose no instance among ${candidates}: a custom rule's choose() must return one of the instances it is given`,
  );
}
