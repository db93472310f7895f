import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServiceInstance } from "@outrigger/discovery";

/** How one benchmark server answers. */
export interface Behaviour {
  /** Time to answer (with ±20% deterministic jitter); in a pool, the service time of each request. */
  readonly delayMs: number;
  readonly status: number;
  /** Requests served at once; the rest queue (uneven capacity). Unlimited when absent. */
  readonly pool?: number;
}

/** A command to the server process. */
export type FleetCommand =
  | { cmd: "start"; name: string; behaviour: Behaviour }
  | { cmd: "set"; name: string; behaviour: Behaviour }
  | { cmd: "stop"; name: string }
  | { cmd: "seed"; seed: number }
  | { cmd: "counts" }
  | { cmd: "stopAll" };

/** Real HTTP servers on loopback in a child process, controlled over IPC. */
export class Fleet {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (result: unknown) => void>();
  #next = 1;
  readonly ready: Promise<void>;

  constructor() {
    const path = fileURLToPath(new URL("./fleet-child.ts", import.meta.url));
    this.#child = fork(path, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.ready = new Promise((resolve) => this.#pending.set(0, () => resolve()));
    this.#child.on("message", (m: { id: number; result: unknown }) => {
      this.#pending.get(m.id)?.(m.result);
      this.#pending.delete(m.id);
    });
  }

  #send(command: FleetCommand): Promise<unknown> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ ...command, id });
    });
  }

  /** Starts a server and returns it as an UP instance. */
  async start(name: string, behaviour: Behaviour, zone?: string): Promise<ServiceInstance> {
    const port = (await this.#send({ cmd: "start", name, behaviour })) as number;
    return {
      id: name,
      service: "bench",
      host: "127.0.0.1",
      port,
      secure: false,
      status: "UP",
      metadata: {},
      ...(zone ? { zone } : {}),
    };
  }

  set(name: string, behaviour: Behaviour): Promise<unknown> {
    return this.#send({ cmd: "set", name, behaviour });
  }
  stop(name: string): Promise<unknown> {
    return this.#send({ cmd: "stop", name });
  }
  seed(seed: number): Promise<unknown> {
    return this.#send({ cmd: "seed", seed });
  }
  /** Requests each server received since the last call (retried attempts included). */
  async counts(): Promise<Record<string, number>> {
    return (await this.#send({ cmd: "counts" })) as Record<string, number>;
  }
  stopAll(): Promise<unknown> {
    return this.#send({ cmd: "stopAll" });
  }
  close(): void {
    this.#child.kill();
  }
}
