import { z } from "zod";
import { checkClients } from "./policy-check.js";
import { servicePolicySchema } from "./policy-schema.js";

/**
 * The `outrigger` config section: the one source of the TypeScript types (`OutriggerConfig`) and of the JSON
 * schema published as `@outrigger/node/schema.json` (write-schema.ts; schema.test.ts keeps them equal).
 */

/** True for an absolute http: or https: URL (WHATWG parsing: a port above 65535 does not parse). */
const isHttpUrl = (url: string): boolean => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol);

const port = z.number().int().min(0).max(65_535);

/** Where this service registers and where it looks services up. */
export const registrySchema = z
  .strictObject({
    kind: z.enum(["eureka", "consul"]).default("eureka").describe("An Eureka-compatible registry, or Consul."),
    url: z
      .string()
      // Checked here, not first at listen (DISCOVERY_INVALID_OPTION); the message never repeats the value (userinfo).
      .refine(isHttpUrl, "must be an http(s) URL with a valid port, such as http://127.0.0.1:8761/eureka")
      .describe(
        "eureka: the registry's Eureka base URL (default http://127.0.0.1:8761/eureka); consul: the agent (default http://127.0.0.1:8500).",
      )
      .optional(),
    token: z.string().describe("Bearer token (Consul: X-Consul-Token); better set by env. variable.").optional(),
    enabled: z.boolean().default(true).describe("false: no registration (a client-only process)."),
    renewIntervalMs: z.number().int().min(100).default(30_000).describe("Heartbeat (Eureka: 30 000)."),
    leaseDurationSec: z.number().int().min(1).default(90).describe("Lease without heartbeat (Eureka: 90)."),
    requestTimeoutMs: z.number().int().min(1).default(5_000),
    watchWaitMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(30_000)
      .describe("How long the registry may hold a watch before answering 'no change' (Outrigger registry)."),
    fetchIntervalMs: z
      .number()
      .int()
      .min(100)
      .max(300_000)
      .default(30_000)
      .describe(
        "A stock Eureka server (no watch route): time between delta fetches (Eureka's registryFetchIntervalSeconds: 30).",
      ),
    failFast: z
      .boolean()
      .default(false)
      .describe(
        "true: `listen()` fails with OUTRIGGER_REGISTRY_UNREACHABLE when the first registration fails (Spring's should-enforce-registration-at-init); false: start and keep retrying.",
      ),
  })
  .describe("Registry.");

/** How this instance describes itself to the registry. */
export const instanceSchema = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .describe("Address callers use (default: $HOSTNAME's first non-internal IPv4, else 127.0.0.1).")
      .optional(),
    zone: z.string().optional(),
    metadata: z.record(z.string(), z.string()).default({}),
  })
  .describe("This instance.");

/** The drain on SIGTERM and `og.close()`. */
export const shutdownSchema = z
  .strictObject({
    graceMs: z
      .number()
      .int()
      .min(0)
      .max(2_147_483_647)
      .default(10_000)
      .describe("Longest wait for in-flight requests."),
    signals: z
      .array(z.enum(["SIGTERM", "SIGINT", "SIGHUP"]))
      .default(["SIGTERM", "SIGINT"])
      .describe("Signals that drain and exit; [] to handle them yourself (call og.close())."),
  })
  .describe("Graceful shutdown.");

/** The admin server: `/metrics` (Prometheus) and `/health`. Not started unless a port is given. */
export const adminSchema = z
  .strictObject({
    port: port.describe("0: a free port (see og.adminUrl).").optional(),
    host: z.string().default("127.0.0.1"),
  })
  .describe("Admin endpoint.");

/** Inbound limits of `og.inbound` (live; `createOutrigger({ inbound })` takes precedence). */
export const inboundSchema = z
  .strictObject({
    rateLimit: z
      .strictObject({
        requestsPerSecond: z.number().min(0.001).describe("Admitted per second; above it 429 with Retry-After."),
        burst: z.number().int().min(1).optional(),
      })
      .optional(),
    concurrency: z
      .union([
        z.strictObject({ max: z.number().int().min(1).describe("Requests in flight at most (a bulkhead).") }),
        z.strictObject({
          adaptive: z.literal(true).describe("A limit adapted from latency (Vegas)."),
          initial: z.number().int().min(1).optional(),
          max: z.number().int().min(1).optional(),
        }),
      ])
      .optional(),
  })
  .describe("Inbound limits.");

/** Outbound clients: the defaults every service starts from, and per-service parts. */
export const clientsSchema = z
  .strictObject({
    idleCloseMs: z
      .number()
      .int()
      .min(1_000)
      .max(2_147_483_647)
      .default(300_000)
      .describe("A service's instancer, balancer and pools close after this long without a request."),
    waitForInstancesMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(2_000)
      .describe("A first request waits this long for discovery's first answer, then OUTRIGGER_UNKNOWN_SERVICE."),
    maxServices: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(100)
      .describe(
        "Services followed at once (each holds a registry watch); a new lb:// name beyond it is OUTRIGGER_TOO_MANY_SERVICES.",
      ),
    unknownServiceCacheMs: z
      .number()
      .int()
      .min(0)
      .max(3_600_000)
      .default(5_000)
      .describe(
        "A name the registry had no instance of is dropped at once and refused (OUTRIGGER_UNKNOWN_SERVICE) for this long without a lookup.",
      ),
    eagerLoad: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/i))
      .max(1_000)
      .default([])
      .describe(
        "Services made at start and kept open (never idle-closed): their watch answers before the first request, which then does not wait. Spring Cloud LoadBalancer's eager-load.clients.",
      ),
    defaults: servicePolicySchema.prefault({}),
    services: z.record(z.string().regex(/^[a-z0-9][a-z0-9.-]*$/i), servicePolicySchema).default({}),
  })
  .superRefine(checkClients)
  .superRefine((clients, ctx) => {
    // Each eager service holds a watch: more than maxServices could never all be followed.
    if (clients.eagerLoad.length > clients.maxServices) {
      ctx.addIssue({
        code: "custom",
        path: ["eagerLoad"],
        message: `lists ${clients.eagerLoad.length} services, more than clients.maxServices (${clients.maxServices}): list fewer, or raise maxServices`,
      });
    }
  })
  .describe("Clients (lb://<service>/…).");

/** The whole `outrigger` section. */
export const outriggerConfigSchema = z
  .strictObject({
    registry: registrySchema.prefault({}),
    instance: instanceSchema.prefault({}),
    shutdown: shutdownSchema.prefault({}),
    admin: adminSchema.prefault({}),
    inbound: inboundSchema.prefault({}),
    clients: clientsSchema.prefault({}),
  })
  .describe("The `outrigger` section of a node-config directory (@outrigger/node).");

/** The `outrigger` section as written (every key optional). */
export type OutriggerConfig = z.input<typeof outriggerConfigSchema>;
/** The `outrigger` section with defaults filled in. */
export type ResolvedOutriggerConfig = z.output<typeof outriggerConfigSchema>;
