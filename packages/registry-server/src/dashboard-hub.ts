import type { ServerResponse } from "node:http";
import type { ServerContext } from "./context.js";
import { dashboardState, dashboardSummary, instanceRecord } from "./dashboard-state.js";
import type { Lease } from "./registry-types.js";

/**
 * Changes within a second are sent as one update: a person reads the dashboard, and a registry changing ten times a
 * second must not cost ten rebuilds a second while heartbeats wait.
 */
const PUSH_DELAY_MS = 1_000;
/** Renewal times move even when nothing else does; refresh every 5 s (this also keeps proxies from closing). */
const REFRESH_MS = 5_000;
/** A stream whose unsent bytes pass this is ended (its browser reconnects and starts from a full state). */
export const MAX_STREAM_BUFFER_BYTES = 8 * 1024 * 1024;
/** Dashboard streams open at once: a few operators' tabs, not a fleet. */
export const DEFAULT_MAX_DASHBOARD_STREAMS = 64;
/** Dashboard streams from one address. */
export const DEFAULT_MAX_DASHBOARD_STREAMS_PER_IP = 8;

/** Caps on dashboard streams. */
export interface StreamLimits {
  readonly maxStreams: number;
  readonly maxStreamsPerIp: number;
}

/** Each instance's record text, kept per lease object: leases are replaced on every change and renewal. */
const recordText = new WeakMap<Lease, string>();

function encodedRecord(app: string, lease: Lease): string {
  let text = recordText.get(lease);
  if (text === undefined) {
    text = JSON.stringify(instanceRecord(app, lease));
    recordText.set(lease, text);
  }
  return text;
}

interface Stream {
  readonly res: ServerResponse;
  readonly ip: string;
}

/**
 * The dashboard's live updates, shared by every open stream: on each push the state is computed and encoded once,
 * compared with the previous push instance by instance, and only the changes go out (`event: diff`, a map from
 * `APP/instanceId` to the instance or `null` when it left, plus the small summary). A new stream starts with one
 * full `event: state`. Owns its timers only while a stream is open; `close()` ends every stream.
 */
export class DashboardHub {
  readonly #ctx: ServerContext;
  readonly #limits: StreamLimits;
  readonly #streams = new Set<Stream>();
  readonly #perIp = new Map<string, number>();
  /** What the last push said of each instance, as JSON text. */
  #last = new Map<string, string>();
  #pending: NodeJS.Timeout | undefined;
  #refresh: NodeJS.Timeout | undefined;
  #stopListening: (() => void) | undefined;
  #full: { version: number; at: number; text: string } | undefined;

  constructor(ctx: ServerContext, limits: StreamLimits) {
    this.#ctx = ctx;
    this.#limits = limits;
  }

  /** Streams open now. */
  get size(): number {
    return this.#streams.size;
  }

  /** True when one more stream from `ip` stays within the caps (else the caller answers 429). */
  admits(ip: string): boolean {
    const fromIp = this.#perIp.get(ip) ?? 0;
    return this.#streams.size < this.#limits.maxStreams && fromIp < this.#limits.maxStreamsPerIp;
  }

  /** Starts a stream on `res` (check `admits` first): a full state now, diffs from then on. */
  open(ip: string, res: ServerResponse): void {
    const fromIp = this.#perIp.get(ip) ?? 0;
    if (this.#streams.size === 0) this.#start();
    const stream: Stream = { res, ip };
    this.#streams.add(stream);
    this.#perIp.set(ip, fromIp + 1);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(this.#fullState());
    res.once("close", () => this.#drop(stream));
  }

  /** Ends every stream and stops the timers. */
  close(): void {
    for (const stream of [...this.#streams]) stream.res.end();
    for (const stream of [...this.#streams]) this.#drop(stream);
  }

  #start(): void {
    this.#last = this.#records();
    this.#stopListening = this.#ctx.registry.onChange(() => {
      this.#pending ??= setTimeout(() => this.#push(), PUSH_DELAY_MS).unref();
    });
    this.#refresh = setInterval(() => this.#push(), REFRESH_MS).unref();
  }

  #drop(stream: Stream): void {
    if (!this.#streams.delete(stream)) return;
    const left = (this.#perIp.get(stream.ip) ?? 1) - 1;
    if (left <= 0) this.#perIp.delete(stream.ip);
    else this.#perIp.set(stream.ip, left);
    if (this.#streams.size > 0) return;
    this.#stopListening?.();
    clearTimeout(this.#pending);
    clearInterval(this.#refresh);
    this.#pending = undefined;
    this.#last.clear();
    this.#full = undefined;
  }

  /** The first event of a stream, shared by streams that open at the same version within a second. */
  #fullState(): string {
    const now = this.#ctx.registry.clock.now();
    const version = this.#ctx.registry.version;
    const kept = this.#full;
    if (kept && kept.version === version && now - kept.at < PUSH_DELAY_MS && now >= kept.at) return kept.text;
    const text = `event: state\ndata: ${JSON.stringify(dashboardState(this.#ctx))}\n\n`;
    this.#full = { version, at: now, text };
    return text;
  }

  #records(): Map<string, string> {
    const records = new Map<string, string>();
    for (const [app, leases] of this.#ctx.registry.applications()) {
      for (const lease of leases) records.set(`${app}/${lease.info.instanceId}`, encodedRecord(app, lease));
    }
    return records;
  }

  #push(): void {
    this.#pending = undefined;
    const next = this.#records();
    const changed: string[] = [];
    for (const [key, json] of next) if (this.#last.get(key) !== json) changed.push(`${JSON.stringify(key)}:${json}`);
    for (const key of this.#last.keys()) if (!next.has(key)) changed.push(`${JSON.stringify(key)}:null`);
    this.#last = next;
    const summary = JSON.stringify(dashboardSummary(this.#ctx));
    const event = `event: diff\ndata: ${summary.slice(0, -1)},"instances":{${changed.join(",")}}}\n\n`;
    for (const stream of this.#streams) {
      // A reader that does not keep up is cut rather than buffered without end.
      if (stream.res.writableLength > MAX_STREAM_BUFFER_BYTES) stream.res.destroy();
      else stream.res.write(event);
    }
  }
}
