import { createRequire } from "node:module";

/** The slice of eureka-js-client (an unmodified Eureka client from npm) the e2e tests drive. */
export interface EurekaClient {
  start(callback: (error?: Error) => void): void;
  stop(callback: (error?: Error) => void): void;
  getInstancesByAppId(app: string): { instanceId: string }[];
  on(event: string, listener: () => void): void;
  once(event: string, listener: () => void): void;
}

const require = createRequire(import.meta.url);
/** eureka-js-client 4.5's client class, from npm. */
export const { Eureka } = require("eureka-js-client") as { Eureka: new (config: unknown) => EurekaClient };

/** eureka-js-client's logger: four levels, each taking a message and details. */
export interface EurekaLogger {
  debug(message: string, ...rest: unknown[]): void;
  info(message: string, ...rest: unknown[]): void;
  warn(message: string, ...rest: unknown[]): void;
  error(message: string, ...rest: unknown[]): void;
}

/**
 * The config of a client registering `app`/`instanceId` (default `jsclient/js-1`) with the registry on `port`,
 * heartbeating and fetching every 200 ms; `eureka` adds to or overrides its `eureka` section.
 */
export function jsClientConfig(
  port: number,
  logger: EurekaLogger,
  eureka: Record<string, unknown> = {},
  { app = "jsclient", instanceId = "js-1" } = {},
) {
  return {
    instance: {
      app,
      instanceId,
      hostName: "localhost",
      ipAddr: "127.0.0.1",
      port: { $: 8080, "@enabled": true },
      vipAddress: app,
      dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
    },
    eureka: {
      host: "127.0.0.1",
      port,
      servicePath: "/eureka/apps/",
      heartbeatInterval: 200,
      registryFetchInterval: 200,
      ...eureka,
    },
    logger,
  };
}
