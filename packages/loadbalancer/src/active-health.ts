import type { Clock, Disposable } from "@outrigger/core";
import type { CheckResult, HealthChecker } from "./health-checker.js";
import type { InstanceFilter } from "./in-service.js";
import type { OutlierDetector } from "./outlier-detector.js";

/** An ejected instance's probes since its ejection. */
interface Recovery {
  passes: number;
  failed: boolean;
}

/**
 * Joins active checks to outlier ejection, as Envoy does when both are on. An instance is out of service while the
 * checker says it is unhealthy; an ejected one whose probes failed since its ejection stays out when the ejection
 * time ends (a dead instance gets no trial requests), and `healthyThreshold` passes in a row since its ejection
 * bring it back at once (Envoy's `successful_active_health_check_uneject_host`).
 */
export class ActiveHealth implements InstanceFilter {
  readonly #recovering = new Map<string, Recovery>();
  readonly #subscriptions: Disposable[];

  constructor(
    readonly checker: HealthChecker,
    /** The balancer's outlier detector; replaced when outlier detection is turned on or off live. */
    public detector: OutlierDetector | undefined,
    readonly clock: Clock,
    /** Called whenever the set of instances in service may have changed. */
    readonly changed: () => void,
  ) {
    this.#subscriptions = [
      checker.onCheck((result) => this.#observe(result)),
      checker.onHealthy(changed),
      checker.onUnhealthy(changed),
    ];
  }

  /** The outlier detector ejected `id`: from now on its probes decide when it returns. */
  ejected(id: string): void {
    this.#recovering.set(id, { passes: 0, failed: false });
  }

  /** True when active checks keep `id` out of service, ejected or not. */
  excludes(id: string): boolean {
    return !this.checker.isHealthy(id) || this.#recovering.get(id)?.failed === true;
  }

  /** Forgets instances discovery dropped. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.#recovering.keys()) if (!ids.has(id)) this.#recovering.delete(id);
  }

  close(): void {
    for (const s of this.#subscriptions) s.dispose();
    this.checker.close();
  }

  #observe(result: CheckResult): void {
    const id = result.instance.id;
    const recovery = this.#recovering.get(id);
    if (!recovery || !this.detector) return;
    if (!recovery.failed && !this.detector.isEjected(id, this.clock.now())) {
      // Its ejection ended with clean probes: it is back in service the ordinary way.
      this.#recovering.delete(id);
      return;
    }
    if (result.ok) {
      if (++recovery.passes < this.checker.settings.healthyThreshold) return;
      this.#recovering.delete(id);
      this.detector.uneject(id);
      this.changed();
    } else {
      recovery.passes = 0;
      if (recovery.failed) return;
      recovery.failed = true;
      this.changed();
    }
  }
}
