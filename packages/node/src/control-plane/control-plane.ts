import { isDeepStrictEqual } from "node:util";
import { checkOptionalNumber, type Event, EventSource, redactSecrets, seededRandom } from "@outrigger/core";
import { type Instancer, RegistryWatchInstancer } from "@outrigger/discovery";
import type { Balancer } from "@outrigger/loadbalancer";
import type { AttemptPolicy } from "@outrigger/loadbalancer/undici";
import type { PolicyUpdate, ServicePolicy } from "@outrigger/policy";
import { RetryBudgets } from "@outrigger/resilience";
import type { AxiosInstance } from "axios";
import { OutriggerNodeError } from "../errors.js";
import type { ResolvedPolicy } from "../safe-defaults.js";
import { WatchOrPollInstancer } from "../watch-or-poll.js";
import type { ControlPlaneHost, ControlPlaneOptions, PolicyApplyEvent } from "./control-plane-options.js";
import { defaultProcessId } from "./default-process-id.js";
import { FirstAnswers } from "./first-answers.js";
import { layerPolicy } from "./layering.js";
import { Mirror } from "./mirror.js";
import { instancesFilePath, readPolicyFile } from "./policy-file.js";
import { reportApply } from "./policy-report.js";
import { DEFAULT_SAVE_DELAY_MS, type PolicySaver, savingTo } from "./policy-saver.js";
import { buildSnapshot, type PolicySnapshot } from "./policy-snapshot.js";
import type { RouteDeps } from "./route-decision.js";
import { routeAxios } from "./routed-axios.js";
import { routedBalancer, routedPolicy, type ServiceBalancing } from "./routed-call.js";
import { routedFetch } from "./routed-fetch.js";
import { SubsetBalancers } from "./subset-balancers.js";

export type { ControlPlaneHost, ControlPlaneOptions, PolicyApplyEvent } from "./control-plane-options.js";

interface ServiceState {
  /** The name as the app writes it (`lb://orders/`), for local config and overrides. */
  readonly name: string;
  revision: number;
  central: ServicePolicy | null;
  snapshot: PolicySnapshot | undefined;
}

const rejected = (message: string, cause?: unknown) =>
  new OutriggerNodeError("OUTRIGGER_POLICY_REJECTED", message, cause === undefined ? {} : { cause });
const invalid = (message: string) => new OutriggerNodeError("OUTRIGGER_INVALID_OPTION", message);
/**
 * How long `close()` waits for the pending saves: one small file fsynced takes milliseconds, but an fsync on a
 * saturated disk can take seconds, and a shutdown must not hang on a file the registry can make good.
 */
const SAVE_ON_CLOSE_MS = 2_000;

/**
 * The SDK half of the control plane (a proxyless mesh client): takes each service's policy from its registry watch,
 * checks and builds it, swaps it in at once (calls in flight keep the snapshot they began with), persists it,
 * and reports back to the registry as an xDS client does — ACK with the revision it runs, or NACK with the reason,
 * keeping the previous revision (envoy/api/v2/discovery.proto: `error_detail`, the previous `version_info` stays).
 * Owns the balancers of subsets with a traffic policy of their own: `close()`.
 */
export class ControlPlane {
  readonly #options: ControlPlaneOptions;
  readonly #host: ControlPlaneHost;
  readonly #states = new Map<string, ServiceState>();
  readonly #budgets = new RetryBudgets();
  readonly #random: () => number;
  readonly #applied = new EventSource<PolicyApplyEvent>();
  readonly #balancers = new WeakMap<Balancer, Balancer>();
  readonly #policies = new WeakMap<AttemptPolicy, AttemptPolicy>();
  readonly #process: string;
  readonly #first = new FirstAnswers();
  readonly #subsets = new SubsetBalancers();
  readonly mirror: Mirror;
  readonly #routeDeps: RouteDeps;
  readonly #saver: PolicySaver | undefined;
  /** Fires for every revision applied or refused. */
  readonly onApply: Event<PolicyApplyEvent> = this.#applied.event;

  constructor(self: string, options: ControlPlaneOptions, host: ControlPlaneHost) {
    this.#options = options;
    this.#host = host;
    this.#random = options.seed === undefined ? Math.random : seededRandom(options.seed);
    this.#process = options.processId ?? defaultProcessId(self);
    this.mirror = new Mirror(options.maxMirrorsInFlight);
    const delayMs = checkOptionalNumber("controlPlane.saveDelayMs", options.saveDelayMs, { max: 60_000 }, invalid);
    this.#saver = savingTo(options.stateDir, delayMs ?? DEFAULT_SAVE_DELAY_MS, host);
    this.#routeDeps = {
      snapshot: (s) => this.snapshot(s),
      ready: (s) => this.ready(s),
      random: () => this.#random(),
      mirror: this.mirror,
    };
  }

  /** True unless `enabled: false`. */
  get enabled(): boolean {
    return this.#options.enabled !== false;
  }

  /** The instance snapshot file of `service` under `stateDir` (discovery's `snapshotFile`), when one is set. */
  snapshotFile(service: string): string | undefined {
    return this.#options.stateDir ? instancesFilePath(this.#options.stateDir, service) : undefined;
  }

  /** The revision `service` runs (0: none). */
  revision(service: string): number {
    return this.#states.get(service.toUpperCase())?.revision ?? 0;
  }

  /** `local` with the central policy and the code overrides on top (the precedence table). */
  layer(service: string, local: ResolvedPolicy): ResolvedPolicy {
    const state = this.#states.get(service.toUpperCase());
    return layerPolicy(local, state?.central, this.#options.overrides?.[service]);
  }

  /** Saves every revision applied so far now (not after the delay); resolves once each was written or failed. */
  saved(): Promise<void> {
    return this.#saver?.flush() ?? Promise.resolve();
  }

  /** The snapshot a new call of `service` runs under. */
  snapshot(service: string): PolicySnapshot | undefined {
    return this.#states.get(service.toUpperCase())?.snapshot;
  }

  /**
   * Resolves once `service`'s first policy answer was handled, so a service's first calls already run under its
   * policy (the policy travels in the same watch answer as the instances they wait for; a service nobody called
   * yet has its watch opened here); bounded by `waitMs`, after which calls go unrouted. Undefined when there is
   * nothing to wait for.
   */
  ready(service: string): Promise<void> | undefined {
    const key = service.toUpperCase();
    if (!this.enabled || this.#first.answered(key)) return undefined;
    this.#host.ensure(service);
    return this.#first.wait(key);
  }

  /** Follows `instancer`'s policies (an Outrigger watch), after the state file's revision when there is one. */
  track<T extends Instancer>(service: string, instancer: T): T {
    const inner = instancer instanceof WatchOrPollInstancer ? instancer.source : instancer;
    if (!this.enabled || !(inner instanceof RegistryWatchInstancer)) return instancer;
    const watch = inner;
    // Every revision the watch hands on gets a report (see `offer`): it rides on the next watch request.
    // Named with a key on every watch: only this process may report under its id while it watches.
    watch.reportOnWatch(this.#process);
    const key = service.toUpperCase();
    this.#first.expect(key, this.#host.waitMs());
    const dir = this.#options.stateDir;
    const fromFile = dir
      ? readPolicyFile(dir, service).then(
          (saved) => {
            if (saved && this.revision(service) === 0) this.offer(service, saved, "file", watch);
          },
          (error: Error) =>
            this.#host.report(
              rejected(
                `The saved policy of "${service}" in ${dir} was not applied (${error.message}); the registry's will be.`,
                error,
              ),
            ),
        )
      : Promise.resolve();
    // A registry that cannot be reached has no policy to wait for: calls go on (after the state file's revision).
    watch.onError(() => void fromFile.then(() => this.#first.answer(key)));
    watch.onPolicy((update) => {
      void fromFile.then(() => this.offer(service, update, "registry", watch));
    });
    const known = watch.policy();
    if (known) void fromFile.then(() => this.offer(service, known, "registry", watch));
    return instancer;
  }

  /** Applies a revision, or refuses it keeping the current one; reports either to the registry (not for the file). */
  offer(service: string, update: PolicyUpdate, source: "registry" | "file", watch?: RegistryWatchInstancer): void {
    const key = service.toUpperCase();
    const state = this.#states.get(key) ?? { name: service, revision: 0, central: null, snapshot: undefined };
    // Whatever comes of it (applied, refused, unchanged), the service's first calls need wait no longer.
    queueMicrotask(() => this.#first.answer(key));
    // The content decides, not the number alone: a registry restarted alone numbers from 1 again (breaker, issue 19).
    const known = update.revision === state.revision && isDeepStrictEqual(update.policy, state.central);
    if (source === "registry" && known && update.revision !== 0) {
      // Already running it (from the state file): nothing to apply, but the registry hears that this process runs
      // it, and a watch waiting for the report goes on at once.
      reportApply(watch, this.#process, { service: key, revision: update.revision, status: "ACK", source }, this.#host);
      return;
    }
    let snapshot: PolicySnapshot | undefined;
    let reason = update.issues?.join("; ");
    if (reason === undefined && update.policy) {
      try {
        snapshot = this.#build(state.name, key, update.revision, update.policy);
      } catch (error) {
        reason = (error as Error).message;
      }
    }
    if (reason !== undefined) {
      this.#host.report(
        rejected(
          // Redacted: the reason quotes unknown keys and values of the policy (a URL with userinfo, a token).
          `Policy revision ${update.revision} of "${service}" was not applied: ${redactSecrets(reason)}. Revision ${state.revision} keeps serving; fix the policy in the registry.`,
        ),
      );
      this.#finish(watch, source, { service: key, revision: update.revision, status: "NACK", reason, source });
      return;
    }
    state.revision = update.revision;
    state.central = update.policy;
    this.#states.set(key, state);
    this.#swap(key, state, snapshot);
    this.#host.reapply(state.name);
    this.#finish(watch, source, { service: key, revision: update.revision, status: "ACK", source });
    // Live and ACKed first; saved after (the file is what a restart falls back to while the registry is down).
    if (source === "registry") this.#saver?.save(update);
  }

  /** Rebuilds every revision's snapshot on top of a new local config (route pipelines layer over it). */
  refresh(): void {
    for (const [key, state] of this.#states) {
      if (!state.central) continue;
      try {
        this.#swap(key, state, this.#build(state.name, key, state.revision, state.central));
      } catch (error) {
        this.#host.report(
          rejected(
            `The new local config does not combine with policy revision ${state.revision} of "${state.name}": ${(error as Error).message}. Routes keep their previous settings.`,
          ),
        );
      }
    }
  }

  /** The service's balancer, picking within the call's subset (with the subset's own balancer when it has one). */
  balancer(service: string, base: ServiceBalancing, instancer: () => Instancer): Balancer {
    const known = this.#balancers.get(base);
    if (known) return known;
    const key = service.toUpperCase();
    const made = routedBalancer(
      service,
      base,
      () => instancer().current().instances,
      (subset) => this.#subsets.get(key, subset.name),
    );
    this.#balancers.set(base, made);
    return made;
  }

  /** The service's pipeline, running the call's route (or subset) pipeline when it has one. */
  policy(service: string, base: AttemptPolicy): AttemptPolicy {
    const known = this.#policies.get(base);
    if (known) return known;
    const made = routedPolicy(service, base);
    this.#policies.set(base, made);
    return made;
  }

  /** `og.fetch` under the service's current revision (routes, faults, mirroring). */
  fetch(
    input: string | URL,
    init: RequestInit | undefined,
    next: (input: string | URL, init?: RequestInit) => Promise<Response>,
  ): Promise<Response> {
    return routedFetch(this.#routeDeps, input, init, next);
  }

  /** Puts `og.http`'s calls under their service's current revision (routes, faults, mirroring). */
  routeAxios(http: AxiosInstance): void {
    routeAxios(this.#routeDeps, http);
  }

  /**
   * Closes the subsets' own balancers (their health checks) and saves the revisions not saved yet (waiting at most
   * 2 s), so a clean shutdown leaves the state file at the revision this process ran.
   */
  async close(): Promise<void> {
    this.#subsets.close();
    await this.#saver?.close(SAVE_ON_CLOSE_MS);
  }

  /** A revision's snapshot over the service's local config and code overrides; throws what cannot be applied. */
  #build(name: string, key: string, revision: number, central: ServicePolicy): PolicySnapshot {
    const overrides = this.#options.overrides?.[name];
    const effective = layerPolicy(this.#host.local(name), central, overrides);
    const previous = this.#states.get(key)?.snapshot;
    return buildSnapshot(key, revision, central, effective, this.#budgets, overrides, previous);
  }

  /** New calls run under `snapshot` from now on; the subsets' own balancers follow it. */
  #swap(key: string, state: ServiceState, snapshot: PolicySnapshot | undefined): void {
    state.snapshot = snapshot;
    this.#subsets.sync(key, snapshot, this.#host.instances(state.name));
  }

  #finish(watch: RegistryWatchInstancer | undefined, source: "registry" | "file", event: PolicyApplyEvent): void {
    this.#applied.emit(event);
    if (source === "registry") reportApply(watch, this.#process, event, this.#host);
  }
}
