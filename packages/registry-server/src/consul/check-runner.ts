import { capOutput } from "./check-limits.js";
import type { CheckDefinition, CheckStatus } from "./definition.js";
import { type LongTimer, setLongTimeout } from "./long-timer.js";
import type { CheckView } from "./mapping.js";
import { type ProbeResult, probeHttp, probeTcp } from "./probes.js";

/** What a running check tells its owner. */
export interface CheckHooks {
  /** The check's status or output changed. */
  changed(check: CheckRunner): void;
  /** The check stayed critical for its `DeregisterCriticalServiceAfter`: remove its service. */
  reap(check: CheckRunner): void;
}

/**
 * One check of one service, running: a TTL check turns critical when its TTL passes without an update; an HTTP or
 * TCP check is probed on its interval. Owns its timers (all unref'd); `close()` stops them.
 */
export class CheckRunner implements CheckView {
  #status: CheckStatus;
  #output = "";
  #ttlTimer: LongTimer | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #reapTimer: LongTimer | undefined;
  #probing = false;
  #closed = false;

  constructor(
    readonly definition: CheckDefinition,
    readonly serviceId: string,
    private readonly hooks: CheckHooks,
  ) {
    this.#status = definition.status;
    const { kind } = definition;
    if (kind.type === "ttl") this.#armTtl();
    else {
      // The first probe runs at once rather than after a whole interval, so a new service is not critical for long.
      this.#probeTimer = setTimeout(() => {
        this.#probe();
        this.#probeTimer = setInterval(() => this.#probe(), kind.intervalMs).unref();
      }, 0).unref();
    }
    this.#armReap();
  }

  /** The check's id, e.g. `service:web-1`. */
  get id(): string {
    return this.definition.id;
  }

  /** The check's name. */
  get name(): string {
    return this.definition.name;
  }

  /** The check's notes, as registered. */
  get notes(): string {
    return this.definition.notes;
  }

  /** `ttl`, `http` or `tcp`. */
  get type(): string {
    return this.definition.kind.type;
  }

  /** The current status. */
  get status(): CheckStatus {
    return this.#status;
  }

  /** What the last update or probe said. */
  get output(): string {
    return this.#output;
  }

  /** True when the service pushes this check's status (`agent/check/pass|warn|fail|update`). */
  get acceptsUpdates(): boolean {
    return this.definition.kind.type === "ttl";
  }

  /** A TTL update from the service: sets the status and output (capped at Consul's 4 KiB) and restarts the TTL. */
  update(status: CheckStatus, output: string): void {
    this.#armTtl();
    this.#set(status, capOutput(output));
  }

  /** Stops every timer; the check never reports again. */
  close(): void {
    this.#closed = true;
    this.#ttlTimer?.clear();
    clearTimeout(this.#probeTimer);
    clearInterval(this.#probeTimer);
    this.#reapTimer?.clear();
  }

  #armTtl(): void {
    const { kind } = this.definition;
    if (kind.type !== "ttl" || this.#closed) return;
    this.#ttlTimer?.clear();
    // A TTL may be longer than setTimeout's 24.8-day limit (a 600h TTL): a chained timer honours it.
    this.#ttlTimer = setLongTimeout(() => {
      this.#set("critical", `TTL expired (last output before timeout follows): ${this.#output}`);
    }, kind.ttlMs);
  }

  #armReap(): void {
    const after = this.definition.deregisterCriticalAfterMs;
    if (after === undefined || this.#closed) return;
    if (this.#status !== "critical") {
      this.#reapTimer?.clear();
      this.#reapTimer = undefined;
    } else if (this.#reapTimer === undefined) {
      this.#reapTimer = setLongTimeout(() => this.hooks.reap(this), after);
    }
  }

  #probe(): void {
    const { kind } = this.definition;
    if (this.#probing || this.#closed || kind.type === "ttl") return;
    this.#probing = true;
    // Whatever a probe does (throws at once, rejects later), its check turns critical and the process lives on.
    const run = async (): Promise<ProbeResult> =>
      kind.type === "http" ? probeHttp(kind) : probeTcp(kind.address, kind.timeoutMs);
    void run()
      .catch((error: unknown): ProbeResult => ({ status: "critical", output: `Probe failed: ${String(error)}` }))
      .then((result) => {
        this.#probing = false;
        if (!this.#closed) this.#set(result.status, capOutput(result.output));
      });
  }

  #set(status: CheckStatus, output: string): void {
    if (this.#closed) return;
    const changed = status !== this.#status || output !== this.#output;
    this.#status = status;
    this.#output = output;
    this.#armReap();
    if (changed) this.hooks.changed(this);
  }
}
