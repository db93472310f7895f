import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { checkNumber, EventSource } from "@outrigger/core";
import { Agent } from "undici";
import { createAdminHandler } from "./admin-handler.js";
import type { ResolvedOutriggerConfig } from "./config-schema.js";
import { openSection } from "./config-source.js";
import { ControlPlane } from "./control-plane/control-plane.js";
import { drain } from "./drain.js";
import { OutriggerNodeError } from "./errors.js";
import { createInbound, type InboundOptions } from "./inbound/index.js";
import { listenOn } from "./listen.js";
import { createOgMetrics } from "./og-metrics.js";
import { createTransports } from "./og-transports.js";
import type { Outrigger, OutriggerOptions } from "./outrigger-types.js";
import { makeInstancer } from "./registry-parts.js";
import { policyFor } from "./safe-defaults.js";
import { createSelfRegistration, type SelfRegistration } from "./self-registration.js";
import { createServiceClients } from "./service-clients.js";

export type { Outrigger, OutriggerOptions } from "./outrigger-types.js";

const adminPort = (server: Server): number => (server.address() as AddressInfo).port;

/** The config with the fleet stream's address added to this instance's registration metadata. */
function advertise(config: ResolvedOutriggerConfig, where: string): ResolvedOutriggerConfig {
  const { instance } = config;
  return { ...config, instance: { ...instance, metadata: { ...instance.metadata, [FLEET_STREAM_KEY]: where } } };
}

/** The registration metadata key under which a process advertises its fleet stream (`"<port><path>"`). */
const FLEET_STREAM_KEY = "outrigger.fleet-stream";

/**
 * Wires a Node service to Outrigger in one call: reads the `outrigger` config section (live), makes `lb://`
 * clients per service on first use with policies from config and safe defaults, serves metrics and health, and
 * on SIGTERM or `close()` drains before it deregisters and exits. Throws OUTRIGGER_CONFIG_INVALID (path named),
 * OUTRIGGER_INVALID_OPTION, OUTRIGGER_PORT_IN_USE (admin port).
 */
export async function createOutrigger(options: OutriggerOptions): Promise<Outrigger> {
  const { service } = options;
  if (typeof service !== "string" || !/^[a-z0-9][a-z0-9.-]*$/i.test(service)) {
    throw new OutriggerNodeError(
      "OUTRIGGER_INVALID_OPTION",
      `service must be a DNS-style name such as "orders", got ${JSON.stringify(service)}`,
    );
  }
  checkNumber("port", options.port, { min: 0, max: 65_535, integer: true }, (message) => {
    return new OutriggerNodeError("OUTRIGGER_INVALID_OPTION", message);
  });
  const logger = options.logger ?? console;
  const errors = new EventSource<OutriggerNodeError>();
  const registrations = new EventSource<{ readonly reason: string }>();
  const report = (error: OutriggerNodeError) => {
    logger.warn(`outrigger: ${error.code}: ${error.message}`);
    errors.emit(error);
  };
  const section = openSection(options.config, { warn: () => {} });
  // Registration goes through og's own agent, closed last (watches through their own, registry-parts.ts): no
  // keep-alive socket of og's outlives og.close() (in undici's global agent they would, and hold a registry's close).
  const registryAgent = new Agent();
  const watchSupport = { missing: false };
  // Declared before the clients it layers over; `clients` is read only after this function returns.
  const controlPlane: ControlPlane = new ControlPlane(service, options.controlPlane ?? {}, {
    local: (name) => policyFor(section.current().clients, name),
    reapply: (name) => clients.apply(section.current(), name),
    report,
    ensure: (name) => clients.balancer(name),
    instances: (name) => clients.instancer(name),
    waitMs: () => section.current().clients.waitForInstancesMs,
  });
  const clients = createServiceClients({
    config: section.current,
    instancer: (name) =>
      controlPlane.track(
        name,
        makeInstancer(section.current().registry, name, watchSupport, controlPlane.snapshotFile(name)),
      ),
    layer: (name, local) => controlPlane.layer(name, local),
  });
  const inbound = createInbound(options.inbound ?? (section.current().inbound as InboundOptions));
  let draining = false;
  let port = options.port;
  let server: Server | undefined;
  let registration: SelfRegistration | undefined;
  const metrics = createOgMetrics({
    live: section.live,
    servicesOpen: () => clients.services().length,
    inFlight: () => inbound.inFlight(),
    draining: () => draining,
  });
  // Eager load: the listed services' watches open now, so their first requests do not wait for discovery.
  clients.pin(section.current().clients.eagerLoad);
  section.onChange((next) => {
    clients.apply(next);
    try {
      clients.pin(next.clients.eagerLoad);
    } catch (error) {
      report(error as OutriggerNodeError);
    }
    controlPlane.refresh();
    // The section's inbound limits follow the live config (the schema checked them); options given in code stay.
    if (!options.inbound) {
      try {
        inbound.setOptions(next.inbound as InboundOptions);
      } catch (error) {
        report(
          new OutriggerNodeError("OUTRIGGER_CONFIG_INVALID", `outrigger.inbound refused: ${(error as Error).message}`, {
            path: "outrigger.inbound",
            cause: error,
          }),
        );
      }
    }
    metrics.policyUpdate("applied");
  });
  section.onRefused(({ path, message }) => {
    metrics.policyUpdate("refused");
    report(
      new OutriggerNodeError(
        "OUTRIGGER_CONFIG_INVALID",
        // @outrigger/config's refusals already say the last good config stays; say it once.
        /the last good config stays/.test(message)
          ? `Config update refused at ${path}: ${message}`
          : `Config update refused at ${path}: ${message}. The last good config stays in force; fix that value.`,
        { path },
      ),
    );
  });
  const fallbackOf = (name: string) =>
    controlPlane.layer(name, policyFor(section.current().clients, name)).fallback || undefined;
  const { dispatcher, http, fetch: ogFetch } = createTransports(clients, controlPlane, fallbackOf);
  const { fleetStream } = options;
  fleetStream?.useBudget?.((name) => clients.budgetBalance(name));
  const metricsHandler = createAdminHandler(
    metrics.registry,
    () => ({ service, draining, registered: registration?.registered ?? false }),
    fleetStream,
  );
  const idle = section.current().clients.idleCloseMs;
  const sweeper = setInterval(() => clients.sweep(), Math.min(idle / 2, 30_000));
  sweeper.unref();

  const admin = section.current().admin;
  let adminServer: Server | undefined;
  if (admin.port !== undefined) {
    adminServer = createServer(metricsHandler);
    await listenOn(adminServer, admin.port, admin.host, "outrigger.admin.port");
  }
  const adminUrl = adminServer ? `http://${admin.host}:${adminPort(adminServer)}` : undefined;

  let closing: Promise<void> | undefined;
  /** After og.close() nothing starts again: a listen or a registration would outlive the drain. */
  const refuseClosed = (what: string) => {
    if (closing) {
      throw new OutriggerNodeError("OUTRIGGER_CLOSED", `og is closed; ${what} after og.close(): make a new og.`);
    }
  };
  const register = async () => {
    refuseClosed("no registration");
    if (registration || !section.current().registry.enabled) return;
    const config = section.current();
    registration = createSelfRegistration(
      fleetStream ? advertise(config, `${adminServer ? adminPort(adminServer) : port}${fleetStream.path}`) : config,
      { service, port },
      {
        registered: (reason) => {
          metrics.registered(reason);
          registrations.emit({ reason });
        },
        failed: () => metrics.registryError(),
        report,
      },
      registryAgent,
    );
    await registration.start();
  };

  const close = () => {
    closing ??= (async () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      draining = true;
      // A stream is a reader's open connection, not work in flight: end it first so the drain does not wait on it.
      fleetStream?.close();
      await drain({
        draining: () => inbound.draining(),
        server,
        deregister: () => registration?.stop() ?? Promise.resolve(),
        graceMs: section.current().shutdown.graceMs,
      });
      clearInterval(sweeper);
      clients.close();
      // Saves the revisions not saved yet (bounded): a clean shutdown leaves the state file at the one it ran.
      await controlPlane.close();
      // og.http's transport is its own lb dispatcher (pools, instancer subscriptions): closed with og's.
      await Promise.all([dispatcher.close(), http.close()]);
      await registryAgent.close();
      section.close();
      metrics.close();
      if (adminServer) await new Promise<void>((resolve) => adminServer?.close(() => resolve()));
      adminServer?.closeAllConnections();
    })();
    return closing;
  };
  const handlers = section.current().shutdown.signals.map((signal) => {
    const handler = () => {
      void close().finally(() => {
        // With no other handler, end as the signal would have (exit status 128 + n), after the drain.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });

  return {
    service,
    get port() {
      return port;
    },
    http,
    fetch: ogFetch,
    dispatcher,
    inbound,
    metricsHandler,
    metrics: metrics.registry,
    adminUrl,
    config: section.current,
    controlPlane: { revision: (name) => controlPlane.revision(name), onApply: controlPlane.onApply },
    onError: errors.event,
    onRegister: registrations.event,
    async listen(target, host) {
      refuseClosed("no listen");
      await listenOn(target, port, host, "port");
      server = target;
      port = (target.address() as AddressInfo).port;
      await register();
    },
    register,
    close,
  };
}
