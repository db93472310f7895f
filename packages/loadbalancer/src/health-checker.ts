import { type Disposable, type Event, EventSource, setIoTimeout } from "@outrigger/core";
import type { Instancer, ServiceInstance } from "@outrigger/discovery";
import { lbChannels, publish } from "./channels.js";
import { checkOption, LbError } from "./errors.js";
import { httpProbe, type Probe, type ProbeResult, type StatusRange } from "./http-probe.js";
import type { Random } from "./random.js";

/** Settings of active health checking; defaults follow HAProxy's `check` (inter 2s, fall 3, rise 2). */
export interface HealthCheckOptions {
  /** Path the default HTTP probe requests (default `/health`). */
  readonly path?: string;
  /** Statuses that pass, both ends included (default 200–299; Envoy's `expected_statuses`). */
  readonly expectedStatus?: StatusRange;
  /** Time between the end of one probe of an instance and the start of the next (HAProxy `inter`, default 2 s). */
  readonly intervalMs?: number;
  /** A probe that has not answered by then fails (default 1 s). */
  readonly timeoutMs?: number;
  /** Failed probes in a row that mark a healthy instance unhealthy (HAProxy `fall`, default 3). */
  readonly unhealthyThreshold?: number;
  /** Passed probes in a row that mark an unhealthy instance healthy again (HAProxy `rise`, default 2). */
  readonly healthyThreshold?: number;
  /**
   * Up to this much random time added to each interval, and the spread of the first probes (Envoy's
   * `interval_jitter`; default a tenth of the interval), so clients started together do not probe in bursts.
   */
  readonly jitterMs?: number;
  /** Replaces the HTTP probe (e.g. a TCP connect or gRPC check); must settle when its signal aborts. */
  readonly probe?: Probe;
  /** Injectable for tests (default Math.random). */
  readonly random?: Random;
}

/** One probe's result, as `onCheck` reports it. */
export interface CheckResult extends ProbeResult {
  readonly instance: ServiceInstance;
  /** The instance's state after this probe. */
  readonly healthy: boolean;
}

/** A change of an instance's health, as `onHealthy`/`onUnhealthy` report it. */
export interface HealthChange {
  readonly instance: ServiceInstance;
  /** The probe that completed the streak. */
  readonly last: ProbeResult;
}

/** Probes instances on its own schedule and tells who is healthy. */
export interface HealthChecker {
  /** False once `unhealthyThreshold` probes failed in a row, until `healthyThreshold` pass in a row. */
  isHealthy(id: string): boolean;
  /** Probes every instance now (besides the schedule); resolves when all of these probes have finished. */
  checkNow(): Promise<void>;
  /** Fires after every probe. */
  readonly onCheck: Event<CheckResult>;
  /** Fires when an unhealthy instance passed `healthyThreshold` probes in a row. */
  readonly onHealthy: Event<HealthChange>;
  /** Fires when a healthy instance failed `unhealthyThreshold` probes in a row. */
  readonly onUnhealthy: Event<HealthChange>;
  /** The settings in force, defaults filled in. */
  readonly settings: Readonly<Required<Omit<HealthCheckOptions, "probe" | "random">>>;
  /** Stops probing (aborts probes in flight) and following the instancer. */
  close(): void;
}

/** HAProxy's defaults: `inter 2s fall 3 rise 2`; Envoy needs them spelt out, and these are the common choice. */
const DEFAULTS = { path: "/health", intervalMs: 2_000, timeoutMs: 1_000, unhealthyThreshold: 3, healthyThreshold: 2 };

function validated(options: HealthCheckOptions): HealthChecker["settings"] {
  const path = options.path ?? DEFAULTS.path;
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new LbError("LB_INVALID_OPTION", `healthCheck.path must start with "/", got ${JSON.stringify(path)}`);
  }
  const expected = options.expectedStatus ?? { min: 200, max: 299 };
  const status = { min: 100, max: 599, integer: true };
  checkOption("healthCheck.expectedStatus.min", expected.min, status);
  if (checkOption("healthCheck.expectedStatus.max", expected.max, status) < expected.min) {
    throw new LbError(
      "LB_INVALID_OPTION",
      `healthCheck.expectedStatus.max (${expected.max}) must be ≥ min (${expected.min})`,
    );
  }
  const positive = { min: 1 };
  const count = { min: 1, integer: true };
  const intervalMs = checkOption("healthCheck.intervalMs", options.intervalMs ?? DEFAULTS.intervalMs, positive);
  return {
    path,
    expectedStatus: { min: expected.min, max: expected.max },
    intervalMs,
    timeoutMs: checkOption("healthCheck.timeoutMs", options.timeoutMs ?? DEFAULTS.timeoutMs, positive),
    unhealthyThreshold: checkOption(
      "healthCheck.unhealthyThreshold",
      options.unhealthyThreshold ?? DEFAULTS.unhealthyThreshold,
      count,
    ),
    healthyThreshold: checkOption(
      "healthCheck.healthyThreshold",
      options.healthyThreshold ?? DEFAULTS.healthyThreshold,
      count,
    ),
    jitterMs: checkOption("healthCheck.jitterMs", options.jitterMs ?? intervalMs / 10, {}),
  };
}

/** What the checker keeps per instance. */
interface Target {
  instance: ServiceInstance;
  healthy: boolean;
  passes: number;
  failures: number;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

/**
 * Active health checking (HAProxy's `check inter/fall/rise`, Envoy's `health_checks`): probes each UP instance of
 * the instancer every `intervalMs` (+ jitter), one probe per instance at a time, and flips its state after
 * `unhealthyThreshold` failures or `healthyThreshold` passes in a row. Instances start healthy (HAProxy's default;
 * discovery already vouched for them) and are probed at once, so a dead one is found within the first thresholds.
 */
export function createHealthChecker(instancer: Instancer, options: HealthCheckOptions = {}): HealthChecker {
  const settings = validated(options);
  const probe = options.probe ?? httpProbe(settings.path, settings.expectedStatus);
  const random = options.random ?? Math.random;
  const checks = new EventSource<CheckResult>();
  const healthy = new EventSource<HealthChange>();
  const unhealthy = new EventSource<HealthChange>();
  const targets = new Map<string, Target>();
  // Probes in flight, aborted on close. A set rather than an abort listener per probe on one shared signal: with
  // more than ten probes in flight, those listeners tripped Node's MaxListenersExceededWarning.
  const inFlight = new Set<AbortController>();
  let closed = false;

  const schedule = (target: Target, delayMs: number): void => {
    if (closed) return;
    target.timer = setTimeout(() => void run(target), delayMs);
    target.timer.unref();
  };

  const judge = (target: Target, result: ProbeResult): void => {
    if (targets.get(target.instance.id) !== target) return; // removed while the probe ran
    if (result.ok) {
      target.passes++;
      target.failures = 0;
    } else {
      target.failures++;
      target.passes = 0;
    }
    const change: HealthChange = { instance: target.instance, last: result };
    let flipped: EventSource<HealthChange> | undefined;
    if (target.healthy && target.failures >= settings.unhealthyThreshold) {
      target.healthy = false;
      flipped = unhealthy;
    } else if (!target.healthy && target.passes >= settings.healthyThreshold) {
      target.healthy = true;
      flipped = healthy;
    }
    checks.emit({ ...result, instance: target.instance, healthy: target.healthy });
    if (!flipped) return;
    flipped.emit(change);
    publish(lbChannels.health, { instance: target.instance, healthy: target.healthy });
  };

  const run = (target: Target): Promise<void> => {
    clearTimeout(target.timer);
    if (target.running) return target.running;
    if (closed) return Promise.resolve();
    // An own timer rather than AbortSignal.timeout: Node 20 can collect a timeout signal combined through
    // AbortSignal.any before it fires, and the probe would then hang. On core's after-I/O rule (setIoTimeout): after
    // a stall of this process's event loop (a GC pause, a busy machine), a probe answer already in the socket buffer
    // is read before the timeout acts — else one stall fails the probe of every instance at once, and a few in a row
    // mark healthy instances down for the client's own lag. Envoy's checker sees the same order from its loop:
    // libevent's `event_base_loop` activates ready I/O before expired timers (event.c, `timeout_process`).
    const controller = new AbortController();
    const timer = setIoTimeout(
      () => controller.abort(new Error(`no answer within ${settings.timeoutMs} ms`)),
      settings.timeoutMs,
    );
    inFlight.add(controller);
    const signal = controller.signal;
    target.running = probe(target.instance, signal)
      .catch((error: unknown): ProbeResult => ({ ok: false, error: error as Error }))
      .then((result) => {
        timer.dispose();
        inFlight.delete(controller);
        target.running = undefined;
        if (closed) return;
        // A probe cut short by the timeout fails however the probe itself reported it.
        judge(target, signal.aborted ? { ...result, ok: false } : result);
        if (targets.get(target.instance.id) === target) {
          schedule(target, settings.intervalMs + random() * settings.jitterMs);
        }
      });
    return target.running;
  };

  const sync = (instances: readonly ServiceInstance[]): void => {
    const seen = new Set<string>();
    for (const instance of instances) {
      if (instance.status !== "UP") continue;
      seen.add(instance.id);
      const known = targets.get(instance.id);
      if (known) {
        known.instance = instance;
        continue;
      }
      const target: Target = { instance, healthy: true, passes: 0, failures: 0 };
      targets.set(instance.id, target);
      schedule(target, random() * settings.jitterMs);
    }
    for (const [id, target] of targets) {
      if (seen.has(id)) continue;
      clearTimeout(target.timer);
      targets.delete(id);
    }
  };
  sync(instancer.current().instances);
  const subscription: Disposable = instancer.onChange((snapshot) => sync(snapshot.instances));

  return {
    settings,
    isHealthy: (id) => targets.get(id)?.healthy ?? true,
    checkNow: async () => {
      await Promise.all([...targets.values()].map(run));
    },
    onCheck: checks.event,
    onHealthy: healthy.event,
    onUnhealthy: unhealthy.event,
    close() {
      subscription.dispose();
      closed = true;
      for (const controller of inFlight) controller.abort(new Error("health checker closed"));
      for (const target of targets.values()) clearTimeout(target.timer);
    },
  };
}
