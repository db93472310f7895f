import type { Random } from "@outrigger/core";
import { registration } from "./test-fixtures.js";

/*
 * Seeded inputs for the fuzz tests (in-process and against a real process): every write route of both protocols,
 * bodies mutated structurally and at the byte level. Bodies go through a `BodyCodec`, so Eureka's XML joins as
 * one more codec on the Eureka routes once those routes read XML.
 */

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** How a structured body becomes bytes for one wire format. */
export interface BodyCodec {
  readonly name: string;
  readonly contentType: string;
  encode(value: unknown): string;
}

/** JSON, the one format both protocols read today. */
export const jsonCodec: BodyCodec = { name: "json", contentType: "application/json", encode: (v) => JSON.stringify(v) };

/** The codecs Eureka's write routes are fuzzed with (add Eureka's XML codec here when its routes read XML). */
export const eurekaCodecs: readonly BodyCodec[] = [jsonCodec];
/** Consul's API reads JSON only. */
export const consulCodecs: readonly BodyCodec[] = [jsonCodec];

const junk: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  2 ** 53 + 1,
  "",
  "x".repeat(300),
  "127.0.0.1:70000",
  "600h",
  "1ns",
  "-5s",
  "http://127.0.0.1:1/\r\nX: y",
  "\u0000",
  [],
  [1, "a", null],
  {},
  { $: "NaN" },
  "__proto__",
  { __proto__: { polluted: 1 } },
];

/** Replaces, drops and renames fields and values at random, down to a few levels. */
export function mutate(value: unknown, random: Random, depth = 0): unknown {
  if (depth > 3 || random() < 0.15) return pick(random, junk);
  if (Array.isArray(value)) return value.map((v) => mutate(v, random, depth + 1));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = random();
      if (r < 0.12) continue;
      const key =
        r < 0.18 ? pick(random, ["__proto__", "constructor", "prototype", k.toUpperCase(), k.toLowerCase()]) : k;
      out[key] = mutate(v, random, depth + 1);
    }
    return out;
  }
  return random() < 0.55 ? value : pick(random, junk);
}

/** Numbers JSON can carry as text that JavaScript reads as Infinity, -0, 0 or an imprecise integer. */
const numberBombs = ["1e999", "-1e999", "-0", "1e-999", "123456789012345678901234567890", "0.0000001"];

/** Byte-level damage to an encoded body: truncation or random bytes. */
export function damage(text: string, random: Random): string {
  if (random() < 0.5) return text.slice(0, Math.floor(random() * text.length));
  return String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(random() * 256)));
}

/** Marks some numeric fields for a number bomb; the marks become bomb literals after encoding. */
function markNumbers(value: unknown, random: Random): unknown {
  if (typeof value === "number")
    return random() < 0.4 ? `__bomb_${Math.floor(random() * numberBombs.length)}__` : value;
  if (Array.isArray(value)) return value.map((v) => markNumbers(v, random));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markNumbers(v, random)]));
  }
  return value;
}

/** A valid body with some numbers replaced by literals JavaScript cannot hold exactly (1e999, -0, ...). */
export function withNumberBombs(value: unknown, codec: BodyCodec, random: Random): string {
  return codec
    .encode(markNumbers(value, random))
    .replace(/"?__bomb_(\d)__"?/g, (_m, k: string) => numberBombs[Number(k)] as string);
}

/** A write route and how to make a body for it. */
export interface WriteRoute {
  readonly protocol: "eureka" | "consul";
  readonly method: "POST" | "PUT" | "DELETE";
  readonly path: (random: Random) => string;
  readonly body: (random: Random, i: number) => unknown;
  readonly codecs: readonly BodyCodec[];
}

const fuzzIds = ["fz-1", "fz-2", "fz-%00", "%2e%2e", "fz-1?x=1"];
const checkIds = ["service:fz-1", "service:fz-2", "service:fz-1:1", "nope"];
const consulService = (random: Random, i: number): Record<string, unknown> => ({
  Name: "fuzz",
  ID: pick(random, ["fz-1", "fz-2"]),
  Tags: ["v1"],
  Address: "127.0.0.1",
  Port: 8080 + (i % 10),
  Meta: { zone: "a" },
  Weights: { Passing: 3, Warning: 1 },
  Check: pick(random, [
    { TTL: "30s", DeregisterCriticalServiceAfter: "90m", Status: "passing" },
    { HTTP: "http://127.0.0.1:1/health", Method: "GET", Header: { "X-A": ["1"] }, Interval: "10s", Timeout: "1s" },
    { TCP: "127.0.0.1:1", Interval: "10s", Timeout: "1s" },
  ]),
  Checks: [{ TTL: "1m" }],
});

/** Every write route of both protocols. */
export const writeRoutes: readonly WriteRoute[] = [
  {
    protocol: "eureka",
    method: "POST",
    path: () => "/eureka/apps/FUZZ",
    body: (_r, i) => registration(`f${i}`, { app: "FUZZ" }),
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "PUT",
    path: (r) =>
      `/eureka/apps/FUZZ/${pick(r, fuzzIds)}?status=${pick(r, ["UP", "%ff", ""])}&lastDirtyTimestamp=${pick(r, ["1e999", "-1", "abc", "1"])}`,
    body: () => undefined,
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "DELETE",
    path: (r) => `/eureka/apps/FUZZ/${pick(r, fuzzIds)}`,
    body: () => undefined,
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "PUT",
    path: (r) => `/eureka/apps/FUZZ/${pick(r, fuzzIds)}/status?value=${pick(r, ["OUT_OF_SERVICE", "%00", "UP"])}`,
    body: () => undefined,
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "DELETE",
    path: (r) => `/eureka/apps/FUZZ/${pick(r, fuzzIds)}/status`,
    body: () => undefined,
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "PUT",
    path: (r) =>
      `/eureka/apps/FUZZ/${pick(r, fuzzIds)}/metadata?__proto__[a]=1&constructor[prototype][b]=2&k=${pick(r, ["v", "%ff"])}`,
    body: () => undefined,
    codecs: eurekaCodecs,
  },
  {
    protocol: "eureka",
    method: "POST",
    path: () => "/eureka/peerreplication/batch",
    body: (_r, i) => ({
      replicationList: [
        {
          action: "Register",
          appName: "FUZZ",
          id: `b${i}`,
          instanceInfo: registration(`b${i}`, { app: "FUZZ" }).instance,
        },
        { action: "Heartbeat", appName: "KEEP", id: "keep-1", lastDirtyTimestamp: 1 },
        { action: "Cancel", appName: "FUZZ", id: `b${i}` },
      ],
    }),
    codecs: eurekaCodecs,
  },
  {
    protocol: "consul",
    method: "PUT",
    path: () => "/v1/agent/service/register",
    body: consulService,
    codecs: consulCodecs,
  },
  {
    protocol: "consul",
    method: "PUT",
    path: (r) => `/v1/agent/service/deregister/${pick(r, fuzzIds)}`,
    body: () => undefined,
    codecs: consulCodecs,
  },
  {
    protocol: "consul",
    method: "PUT",
    path: (r) =>
      `/v1/agent/service/maintenance/${pick(r, fuzzIds)}?enable=${pick(r, ["true", "false", "x", ""])}&reason=${pick(r, ["r", "%00"])}`,
    body: () => undefined,
    codecs: consulCodecs,
  },
  {
    protocol: "consul",
    method: "PUT",
    path: (r) =>
      `/v1/agent/check/${pick(r, ["pass", "warn", "fail", "zap"])}/${pick(r, checkIds)}?note=${pick(r, ["n", "x".repeat(5000)])}`,
    body: () => undefined,
    codecs: consulCodecs,
  },
  {
    protocol: "consul",
    method: "PUT",
    path: (r) => `/v1/agent/check/update/${pick(r, checkIds)}`,
    body: (r) => ({
      Status: pick(r, ["passing", "warning", "critical", "bogus"]),
      Output: "y".repeat(Math.floor(r() * 9000)),
    }),
    codecs: consulCodecs,
  },
];

/** One fuzzed request: a write route, a mutated or damaged body in one of its codecs. */
export interface FuzzRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string;
  readonly payload: string;
}

/** The `i`-th request of a seeded run. */
export function fuzzRequest(random: Random, i: number): FuzzRequest {
  const route = pick(random, writeRoutes);
  const codec = pick(random, route.codecs);
  const base = route.body(random, i);
  const r = random();
  let payload: string;
  if (base === undefined || r < 0.06) payload = r < 0.03 ? "" : codec.encode(pick(random, junk));
  else if (r < 0.45) payload = codec.encode(mutate(base, random));
  else if (r < 0.7) payload = withNumberBombs(base, codec, random);
  else if (r < 0.85) payload = damage(codec.encode(base), random);
  else payload = codec.encode(base);
  return {
    method: route.method,
    url: route.path(random),
    contentType: random() < 0.9 ? codec.contentType : pick(random, ["text/plain", "application/xml", ""]),
    payload,
  };
}
