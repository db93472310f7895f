import { redactSecrets } from "@outrigger/core";
import type { Dispatcher } from "undici";
import type { ResolvedOutriggerConfig } from "./config-schema.js";
import { OutriggerNodeError } from "./errors.js";
import { defaultHost, type EventfulRegistrar, makeRegistrar, registryUrl } from "./registry-parts.js";

/** Hooks of self-registration into og's metrics and error event. */
export interface RegistrationHooks {
  readonly registered: (reason: string) => void;
  readonly failed: (error: Error) => void;
  readonly report: (error: OutriggerNodeError) => void;
}

/** This instance's registration. */
export interface SelfRegistration {
  readonly registered: boolean;
  readonly registrar: EventfulRegistrar;
  /** Registers in the background (never rejects); with `registry.failFast`, rejects if the first try fails. */
  start(): Promise<void>;
  /** Deregisters (bounded by the registry's request timeout) and stops the heartbeat. */
  stop(): Promise<void>;
}

/**
 * Registers `service` at `port` with the configured registry and keeps it registered (heartbeats, re-registration
 * after a registry restart: the registrar's). A registry unreachable at start is reported once as
 * OUTRIGGER_REGISTRY_UNREACHABLE and retried in the background, as Spring Cloud's Eureka client does
 * (`eureka.client.should-enforce-registration-at-init` false by default); `registry.failFast: true` fails instead.
 */
export function createSelfRegistration(
  config: ResolvedOutriggerConfig,
  self: { service: string; port: number },
  hooks: RegistrationHooks,
  dispatcher: Dispatcher,
): SelfRegistration {
  const { registry, instance } = config;
  const registrar = makeRegistrar(
    registry,
    {
      service: self.service,
      port: self.port,
      host: instance.host ?? defaultHost(),
      zone: instance.zone,
      metadata: instance.metadata,
    },
    dispatcher,
  );
  let registered = false;
  let reported = false;
  const unreachable = (cause: Error) =>
    new OutriggerNodeError(
      "OUTRIGGER_REGISTRY_UNREACHABLE",
      `The registry at ${redactSecrets(registryUrl(registry))} did not take the registration of "${self.service}" (${redactSecrets(cause.message)}); this instance keeps retrying in the background and callers cannot find it until then. Start the registry or fix outrigger.registry.url.`,
      { cause },
    );
  registrar.onRegister((event) => {
    registered = true;
    reported = false;
    hooks.registered(String((event as { reason?: string }).reason ?? "initial"));
  });
  registrar.onError((error) => {
    hooks.failed(error);
    if (!registered && !reported) {
      reported = true;
      hooks.report(unreachable(error));
    }
  });
  return {
    get registered() {
      return registered;
    },
    registrar,
    async start() {
      const first = registrar.register();
      if (!registry.failFast) return;
      const failure = new Promise<Error>((resolve) => {
        const sub = registrar.onError((error) => {
          sub.dispose();
          resolve(error);
        });
      });
      const outcome = await Promise.race([first.then(() => undefined), failure]);
      if (outcome instanceof Error) {
        await registrar.close();
        throw unreachable(outcome);
      }
    },
    async stop() {
      await registrar.close();
    },
  };
}
