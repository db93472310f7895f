import type { FastifyInstance } from "fastify";
import type { Clock } from "./clock.js";

/** Whether registry reads are served, and if not, why and until when (epoch ms; absent: until the sync ends). */
export type ReadGateState =
  | { readonly open: true }
  | { readonly open: false; readonly reason: "syncing" | "sync-empty"; readonly untilMs?: number };

/**
 * Keeps clients from reading a registry it knows is incomplete, as Eureka's `shouldAllowAccess`
 * (Netflix/eureka `PeerAwareInstanceRegistryImpl`): while the start-up copy from the peers runs — a read then would
 * give part of the cluster's registry (Netflix/eureka#1490) — and, with `waitTimeInMsWhenSyncEmpty` > 0, for that
 * long after a start that copied nothing (Eureka's `peerInstancesTransferEmptyOnStartup`): a restarted registry is
 * empty until every instance's next heartbeat has re-registered it (404, then a register: one renewal interval,
 * 30 s by default), and a client that read it empty would drop its whole cache (spring-cloud/spring-cloud-netflix#380).
 * A refused read is a failed fetch to every Eureka and Consul client, which keeps its cache and polls again.
 */
export class ReadGate {
  readonly #clock: Clock;
  #syncing = false;
  #emptyUntil = 0;
  /** The copy ended and its wait is over: open for good, and `open` reads no clock. */
  #settled = false;
  #synced = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The start-up copy from the peers begins: reads wait for it. */
  syncing(): void {
    this.#syncing = true;
    this.#synced = false;
    this.#settled = false;
  }

  /**
   * The start-up copy ended with `copied` instances. With none and `waitTimeInMsWhenSyncEmpty` > 0 (ms; Eureka's
   * `eureka.server.waitTimeInMsWhenSyncEmpty`, 5 min there, 0 here by default as Spring Cloud's standalone server)
   * reads stay refused that long from now.
   */
  synced(copied: number, waitTimeInMsWhenSyncEmpty: number): void {
    this.#syncing = false;
    this.#synced = true;
    this.#settled = false;
    if (copied === 0 && waitTimeInMsWhenSyncEmpty > 0) this.#emptyUntil = this.#clock.now() + waitTimeInMsWhenSyncEmpty;
  }

  /** Whether reads are served now; allocates nothing (it runs on every request). */
  get open(): boolean {
    if (this.#settled) return true;
    const open = !this.#syncing && this.#clock.now() >= this.#emptyUntil;
    if (open && this.#synced) this.#settled = true;
    return open;
  }

  /** Whether reads are served now, and if not, why and until when. */
  state(): ReadGateState {
    if (this.#syncing) return { open: false, reason: "syncing" };
    if (this.#clock.now() < this.#emptyUntil) return { open: false, reason: "sync-empty", untilMs: this.#emptyUntil };
    return { open: true };
  }
}

/**
 * The Eureka reads Eureka's gate refuses (routes): the full fetch, the delta, one application, a vip or secure vip
 * (`ApplicationsResource`, `ApplicationResource.getApplication`, `AbstractVIPResource`). One instance
 * (`/apps/{app}/{id}`, `/instances/{id}`: `InstanceResource`, `InstancesResource`) is served, as there.
 */
const EUREKA_READ = /^\/eureka(?:\/v2)?\/(?:apps(?:\/delta|\/:app)?|vips\/:vip|svips\/:vip)$/;
/** Consul's catalog and health reads: the registry's view, not the local agent's (`/v1/agent/*` stays open). */
const CONSUL_READ = /^\/v1\/(?:catalog|health)\//;
/** Outrigger's watch (`RegistryWatchInstancer`, the SDK's default read): a 503 it retries with backoff. */
const WATCH_READ = /^\/outrigger\/watch\//;

const NOT_READY =
  "The registry is copying its peers' registry at start, or holding reads after a start that copied none (--wait-when-sync-empty): retry with backoff, keeping what you have";

/**
 * Refuses the registry's reads while `gate` is closed, each API the way its own server does: Eureka answers 403
 * with no body (`ApplicationsResource`, `ApplicationResource`, `VIPResource` when `shouldAllowAccess` is false);
 * Consul answers a read it cannot serve consistently 500 "No cluster leader" (`structs.ErrNoLeader`); the Outrigger
 * watch answers 503 `REGISTRY_NOT_READY`. Writes, heartbeats, replication, the Consul agent's own endpoints, the
 * status and the dashboard are served: the writes are how the registry fills. Matched on the route, not the raw
 * URL, so no percent-encoding slips past. Added after the access hook, so a missing or wrong token is still a 401.
 */
export function readGateHook(app: FastifyInstance, gate: ReadGate): void {
  app.addHook("onRequest", (request, reply, done) => {
    if ((request.method !== "GET" && request.method !== "HEAD") || gate.open) return done();
    const route = request.routeOptions.url ?? "";
    if (EUREKA_READ.test(route)) {
      reply.code(403).header("cache-control", "no-store").send();
      return;
    }
    if (CONSUL_READ.test(route)) {
      reply.code(500).header("content-type", "text/plain; charset=utf-8").send("No cluster leader");
      return;
    }
    if (WATCH_READ.test(route)) {
      reply.code(503).header("retry-after", "1").send({ code: "REGISTRY_NOT_READY", message: NOT_READY });
      return;
    }
    done();
  });
}
