import { type RunningServer, startServer } from "@outrigger/registry-server";
import type { BenchProcess, Message } from "../proc/child.js";
import { epochMs } from "../proc/clock.js";
import { startScript } from "../proc/node-script.js";
import { CORES } from "../proc/pin.js";
import type { Behaviour } from "./behaviour.js";
import type { TracedRequest } from "./request-trace.js";

export { SERVICE } from "./service.js";

/** One running upstream instance. */
export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly process: BenchProcess;
  /** When its registration was accepted (epoch ms). */
  readonly registeredAt: number;
}

/** The registry plus a fleet of upstream processes that can be changed mid-run: slowed, broken, killed, added. */
export class Fleet {
  readonly #upstreams = new Map<string, Upstream>();
  readonly #killed = new Map<string, Upstream>();
  #next = 0;

  private constructor(
    readonly registry: RunningServer,
    readonly labels: (name: string) => Record<string, string>,
    readonly trace: boolean,
  ) {}

  /**
   * Starts the registry (in this process, on the load core) and `size` healthy upstreams, each registered with the
   * metadata `labels` gives it by name (subset labels such as `version`, for the control plane's routes). With
   * `trace`, every upstream records each request it answers (`traces()`).
   */
  static async start(
    size: number,
    labels: (name: string) => Record<string, string> = () => ({}),
    trace = false,
  ): Promise<Fleet> {
    // Evict expired leases every 500 ms so a killed instance (3 s lease) leaves within ~3.5 s.
    const registry = await startServer({ port: 0, host: "127.0.0.1", evictionIntervalMs: 500, logLevel: false });
    const fleet = new Fleet(registry, labels, trace);
    await Promise.all(Array.from({ length: size }, () => fleet.add()));
    return fleet;
  }

  get registryUrl(): string {
    return this.registry.url;
  }

  list(): Upstream[] {
    return [...this.#upstreams.values()];
  }

  /** Starts one more instance; resolves once it is registered. */
  async add(behaviour: Partial<Behaviour> = {}): Promise<Upstream> {
    const name = `u${this.#next++}`;
    const process = startScript(name, CORES.load, "fleet/upstream.ts", {
      UPSTREAM_NAME: name,
      REGISTRY_URL: this.registry.url,
      UPSTREAM_BEHAVIOUR: JSON.stringify(behaviour),
      UPSTREAM_LABELS: JSON.stringify(this.labels(name)),
      ...(this.trace ? { UPSTREAM_TRACE: "1" } : {}),
    });
    const registered = await process.waitFor((m) => m.event === "registered");
    const upstream = { name, port: Number(registered.port), process, registeredAt: Number(registered.at) };
    this.#upstreams.set(name, upstream);
    return upstream;
  }

  /** Kills an instance the hard way (SIGKILL: no deregistration, like a crash). Resolves with the kill time (epoch ms). */
  async kill(name: string): Promise<number> {
    const upstream = this.#upstreams.get(name);
    if (!upstream) throw new Error(`no upstream ${name}`);
    const at = epochMs();
    await upstream.process.kill("SIGKILL");
    this.#upstreams.delete(name);
    this.#killed.set(name, upstream);
    return at;
  }

  /** A killed instance's traffic port (where attempts to it still go), or undefined. */
  killedPort(name: string): number | undefined {
    return this.#killed.get(name)?.port;
  }

  /** Changes an instance's behaviour (latency, error rate, load shedding). */
  async set(name: string, behaviour: Partial<Behaviour>): Promise<void> {
    await this.#upstreams.get(name)?.process.request({ cmd: "set", behaviour });
  }

  /** Resets every instance's request counters. */
  async resetCounts(): Promise<void> {
    await Promise.all(this.list().map((u) => u.process.request({ cmd: "reset" })));
  }

  /** Requests each live instance has received since the last reset. */
  async counts(): Promise<Record<string, number>> {
    const replies: Message[] = await Promise.all(this.list().map((u) => u.process.request({ cmd: "stats" })));
    return Object.fromEntries(replies.map((r) => [String(r.name), Number(r.requests)]));
  }

  /** TCP connections the live instances have accepted since they started (warm-up included; not reset), summed. */
  async connections(): Promise<number> {
    const replies: Message[] = await Promise.all(this.list().map((u) => u.process.request({ cmd: "stats" })));
    return replies.reduce((n, r) => n + Number(r.connections ?? 0), 0);
  }

  /** Each live instance's requests since the last call, in answer order (empty unless the fleet was started to trace). */
  async traces(): Promise<Record<string, { requests: TracedRequest[]; truncated: boolean }>> {
    const replies: Message[] = await Promise.all(this.list().map((u) => u.process.request({ cmd: "trace" })));
    return Object.fromEntries(
      replies.map((r) => [
        String(r.name),
        { requests: r.requests as TracedRequest[], truncated: r.truncated === true },
      ]),
    );
  }

  /** When an instance last received a request (epoch ms, 0 for never). */
  async lastRequestAt(name: string): Promise<number> {
    const reply = await this.#upstreams.get(name)?.process.request({ cmd: "stats" });
    return Number(reply?.lastAt ?? 0);
  }

  /** Waits for an instance's first request; resolves with its time (epoch ms). */
  async firstRequest(name: string, timeoutMs: number): Promise<number> {
    const upstream = this.#upstreams.get(name);
    if (!upstream) throw new Error(`no upstream ${name}`);
    const m = await upstream.process.waitFor((x) => x.event === "first-request", timeoutMs, false);
    return Number(m.at);
  }

  async close(): Promise<void> {
    await Promise.all(this.list().map((u) => u.process.kill("SIGTERM")));
    this.#upstreams.clear();
    await this.registry.close();
  }
}
