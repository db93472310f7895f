// What the client service did beside answering, per measured window: the connections it opened to the hosts it
// sends to, how many calls it had in flight, and how long its event loop stood still (GC pauses, loop delay). The
// report sets these beside each variant's tail, so a tail can be traced to its cause (run 2026-11-30-full-1: the
// undici baseline's p99 at 2 000/s was 4× the SDK's, on the same pool settings).
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Socket } from "node:net";
import {
  constants,
  type IntervalHistogram,
  monitorEventLoopDelay,
  PerformanceObserver,
  performance,
} from "node:perf_hooks";

/** One window's figures (see `ClientProbe`). */
export interface ClientDiagnostics {
  /** TCP connections opened to the watched ports (the upstreams' traffic ports, or the sidecar's) in the window. */
  readonly connectionsOpened: number;
  /** Connections to the watched ports open at the end of the window (the pools' size). */
  readonly connectionsOpen: number;
  /** Most downstream calls in flight at once in the window. */
  readonly peakInFlight: number;
  /** Garbage collections in the window, the longest pause and their sum (ms, `PerformanceObserver` "gc"). */
  readonly gcCount: number;
  readonly gcMaxMs: number;
  readonly gcTotalMs: number;
  /**
   * Of those, mark-compacts (perf_hooks' `detail.kind` NODE_PERFORMANCE_GC_MAJOR). On a client pinned to one core a
   * mark-compact's incremental marking also runs a main-thread step of up to 10–18 ms that its pause does not count
   * (run 2026-12-03-full-17, bench/README.md). Absent before 2026-12-03.
   */
  readonly majorGcCount?: number;
  /**
   * Mark-compacts the client ran from its start to the end of its warm-up (`warmedUp`): its start-up one, then the
   * first one under load that the warm-up waits for (`scenarios/fresh.ts`). The same for every window of a process.
   * Absent before 2026-12-03-full-18.
   */
  readonly majorGcsBeforeMeasuring?: number;
  /** The longest event-loop delay in the window (ms; `monitorEventLoopDelay`, sampled every 10 ms). */
  readonly loopDelayMaxMs: number;
  /**
   * Retries the SDK client made in the window (`outrigger:lb:retry`), all reasons, and those after a per-try
   * timeout. 0 for the clients without the SDK: HAProxy's own retries are not the client's. Absent before
   * 2026-12-01-paired-2.
   */
  readonly sdkRetries?: number;
  readonly sdkRetriesOnTimeout?: number;
}

/** Node's diagnostics channel for every TCP client socket created (`net.connect`), node:http's and undici's. */
const SOCKET_CHANNEL = "net.client.socket";

/** `@outrigger/loadbalancer`'s channel for every retry it makes (`{ service, attempt, reason }`). */
const RETRY_CHANNEL = "outrigger:lb:retry";

/** Loop-delay sampling period: fine enough for the tens of ms a p99 moves by, cheap enough to leave on. */
const LOOP_RESOLUTION_MS = 10;

/**
 * Watches this process from `reset()` to `read()`. Connections are counted from Node's `net.client.socket`
 * diagnostics channel (every TCP client socket, node:http's and undici's alike) once they connect to one of
 * `ports`, so health probes (health port) and registry polls are left out.
 */
export class ClientProbe {
  readonly #ports: ReadonlySet<number>;
  readonly #loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  #opened = 0;
  #open = 0;
  #inFlight = 0;
  #peak = 0;
  #gcCount = 0;
  #gcMax = 0;
  #gcTotal = 0;
  #majorGcs = 0;
  #majorGcsSinceStart = 0;
  #majorGcsBeforeMeasuring = Number.NaN;
  #lastMajorGcEnd = Number.NaN;
  #retries = 0;
  #retriesOnTimeout = 0;
  readonly #onRetry = (message: unknown): void => {
    this.#retries += 1;
    if ((message as { reason?: string }).reason === "timeout") this.#retriesOnTimeout += 1;
  };
  readonly #onSocket = (message: unknown): void => {
    const socket = (message as { socket: Socket }).socket;
    socket.once("connect", () => {
      if (!this.#ports.has(socket.remotePort ?? -1)) return;
      this.#opened += 1;
      this.#open += 1;
      socket.once("close", () => {
        this.#open -= 1;
      });
    });
  };
  readonly #gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.#gcCount += 1;
      this.#gcTotal += entry.duration;
      this.#gcMax = Math.max(this.#gcMax, entry.duration);
      if ((entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        this.#majorGcs += 1;
        this.#majorGcsSinceStart += 1;
        this.#lastMajorGcEnd = entry.startTime + entry.duration;
      }
    }
  });

  constructor(ports: Iterable<number>) {
    this.#ports = new Set(ports);
    subscribe(SOCKET_CHANNEL, this.#onSocket);
    subscribe(RETRY_CHANNEL, this.#onRetry);
    this.#gc.observe({ entryTypes: ["gc"] });
  }

  /** Stops watching: the channel subscription, the GC observer and the loop-delay timer. */
  close(): void {
    unsubscribe(SOCKET_CHANNEL, this.#onSocket);
    unsubscribe(RETRY_CHANNEL, this.#onRetry);
    this.#gc.disconnect();
    this.#loop.disable();
  }

  /** Wraps one downstream call, counting it in flight. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    this.#inFlight += 1;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    try {
      return await call();
    } finally {
      this.#inFlight -= 1;
    }
  }

  /** Mark-compacts since the process started (the warm-up waits for one under load: `scenarios/fresh.ts`). */
  get majorGcsSinceStart(): number {
    return this.#majorGcsSinceStart;
  }

  /**
   * Milliseconds since the end of the latest mark-compact (`performance.now()` time), or undefined before the first:
   * with the count, where a warm-up burst's load stood in the client's heap cycle (`scenarios/warm-up.ts`).
   */
  get msSinceMajorGc(): number | undefined {
    return Number.isNaN(this.#lastMajorGcEnd) ? undefined : performance.now() - this.#lastMajorGcEnd;
  }

  /** Marks the end of the client's warm-up: every later window reports the mark-compacts before it. */
  warmedUp(): number {
    this.#majorGcsBeforeMeasuring = this.#majorGcsSinceStart;
    return this.#majorGcsBeforeMeasuring;
  }

  /** Starts a window: zeroes the counters and samples the loop delay until `read`. */
  reset(): void {
    this.#opened = 0;
    this.#peak = this.#inFlight;
    this.#gcCount = 0;
    this.#gcMax = 0;
    this.#gcTotal = 0;
    this.#majorGcs = 0;
    this.#retries = 0;
    this.#retriesOnTimeout = 0;
    this.#loop.reset();
    this.#loop.enable();
  }

  /** Ends the window: its figures; the loop-delay timer stops until the next `reset`. */
  read(): ClientDiagnostics {
    this.#loop.disable();
    const loopMax = this.#loop.count > 0 ? this.#loop.max / 1e6 : 0;
    return {
      connectionsOpened: this.#opened,
      connectionsOpen: this.#open,
      peakInFlight: this.#peak,
      gcCount: this.#gcCount,
      gcMaxMs: this.#gcMax,
      gcTotalMs: this.#gcTotal,
      majorGcCount: this.#majorGcs,
      majorGcsBeforeMeasuring: this.#majorGcsBeforeMeasuring,
      // The histogram records delay above the sampling period.
      loopDelayMaxMs: Math.max(0, loopMax - LOOP_RESOLUTION_MS),
      sdkRetries: this.#retries,
      sdkRetriesOnTimeout: this.#retriesOnTimeout,
    };
  }
}
