import type { RequestListener, Server } from "node:http";
import type { Event } from "@outrigger/core";
import type { LbDispatcher } from "@outrigger/loadbalancer/undici";
import type { AxiosInstance } from "axios";
import type { Registry } from "prom-client";
import type { MountedStream } from "./admin-handler.js";
import type { ResolvedOutriggerConfig } from "./config-schema.js";
import type { ConfigInput } from "./config-source.js";
import type { ControlPlaneOptions, PolicyApplyEvent } from "./control-plane/control-plane.js";
import type { OutriggerNodeError } from "./errors.js";
import type { Inbound, InboundOptions } from "./inbound/index.js";

/** Options of `createOutrigger`: who this service is; everything else comes from the `outrigger` config section. */
export interface OutriggerOptions {
  /** This service's name in the registry (what callers write in `lb://<service>/…`). */
  readonly service: string;
  /** The port this service listens on (`og.listen` listens there); 0 takes a free one, known after `listen`. */
  readonly port: number;
  /** A config directory (default `$NODE_CONFIG_DIR` or `./config`, reloaded live), your LiveConfig, or an object. */
  readonly config?: ConfigInput;
  /** Inbound limits (rate, concurrency) of `og.inbound`; default: the section's `inbound`. */
  readonly inbound?: InboundOptions;
  /** Where og's warnings go (default `console`). */
  readonly logger?: Pick<Console, "warn">;
  /** The registry's traffic policies: code overrides, a state directory, a seed (see the README's control plane). */
  readonly controlPlane?: ControlPlaneOptions;
  /**
   * A live stream to serve beside `/metrics` and advertise to the registry (`createFleetStream` from
   * `@outrigger/telemetry`): og mounts it on its admin handler, registers the metadata key
   * `outrigger.fleet-stream` = `"<port><path>"` (the admin port, else the service's) and closes it on `close()`.
   */
  readonly fleetStream?: MountedStream & { close(): void };
}

/** A Node service wired to Outrigger (see the package README). */
export interface Outrigger {
  readonly service: string;
  /** The port registered: the option's, or the one `listen` got for port 0. */
  readonly port: number;
  /** axios: `og.http.get("lb://inventory/items")`, with the service's balancer and policy. */
  readonly http: AxiosInstance;
  /** fetch: `og.fetch("lb://inventory/items")` (or `http://inventory/…`), on the undici dispatcher. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The undici dispatcher behind `og.fetch` (for `undici.request`, or `installGlobalDispatcher` for global `fetch`). */
  readonly dispatcher: LbDispatcher;
  /** Inbound middleware (node:http, express, fastify): limits, and the drain at shutdown. */
  readonly inbound: Inbound;
  /** Serves `/metrics` and `/health`: mount it, or set `outrigger.admin.port`. */
  readonly metricsHandler: RequestListener;
  /** The prom-client registry behind `/metrics`. */
  readonly metrics: Registry;
  /** The admin server's URL when `admin.port` is set. */
  readonly adminUrl: string | undefined;
  /** The `outrigger` section in force (the last good one). */
  config(): ResolvedOutriggerConfig;
  /** The policy revision `service` runs (0: none), and every revision applied (ACK) or refused (NACK). */
  readonly controlPlane: {
    revision(service: string): number;
    readonly onApply: Event<PolicyApplyEvent>;
  };
  /** Errors worth an operator's eye: refused config updates, a registry unreachable at start. */
  readonly onError: Event<OutriggerNodeError>;
  /**
   * This instance was registered: `reason` "initial", "re-register" (after a registry restart) or "status". Fires
   * for each success, after `listen`/`register`; the same count is on `/metrics` (`outrigger_registrations_total`).
   */
  readonly onRegister: Event<{ readonly reason: string }>;
  /** Listens `server` on `port` (wrap its handler with `og.inbound`), then registers. OUTRIGGER_PORT_IN_USE. */
  listen(server: Server, host?: string): Promise<void>;
  /** Registers without `listen` (you listened yourself). Never rejects unless `registry.failFast`. */
  register(): Promise<void>;
  /** Drains (stop admitting → deregister → in-flight up to `shutdown.graceMs`) and closes everything. */
  close(): Promise<void>;
}
