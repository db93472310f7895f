import type { FastifyReply, FastifyRequest } from "fastify";
import { admitLongPoll } from "../hooks/long-poll-admission.js";
import { heldRequest } from "../hooks/shutdown.js";
import { type BlockingParams, blockUntilChanged } from "./blocking.js";
import { readConsistency } from "./consistency.js";
import { badRequest, noPathToDatacenter } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import { firstValue, parseGoBool } from "./go-bool.js";
import type { CheckView } from "./mapping.js";
import type { InstanceView } from "./views.js";

/** The query of a read on one service. */
export interface ServiceQuery extends BlockingParams {
  readonly passing?: string | string[];
  readonly tag?: string | string[];
  readonly filter?: string | string[];
  /** `key:value`, repeatable: the node must carry each (see `passesNodeMeta`). */
  readonly "node-meta"?: string | string[];
}

/**
 * A boolean query parameter as Consul's `getBoolQueryParam` (agent/health_endpoint.go) reads it: absent is false,
 * present without a value (`?passing`) is true, otherwise its first value through Go's `strconv.ParseBool`
 * (`1`, `t`, `True`, `FALSE`, ...); anything else is Consul's 400 `Invalid value for ?passing`.
 */
export function flag(value: string | readonly string[] | undefined, name: string): boolean {
  const text = firstValue(value);
  if (text === undefined) return false;
  if (text === "") return true;
  const parsed = parseGoBool(text);
  if (parsed === undefined)
    throw badRequest(`Invalid value for ?${name}`, `${name} must be true or false (Go's ParseBool)`);
  return parsed;
}

/** The `?tag=`s of a query, lower-cased (Consul compares them so). */
function tagsOf(value: string | string[] | undefined): string[] {
  return (value === undefined ? [] : Array.isArray(value) ? value : [value]).map((t) => t.toLowerCase());
}

/**
 * `?tag=` given once or repeated; an instance must carry every one, compared without case as Consul's
 * `serviceTagFilter` (agent/consul/state/catalog.go: `strings.ToLower` on both sides) compares them.
 */
export function withTags(views: InstanceView[], value: string | string[] | undefined): InstanceView[] {
  const wanted = tagsOf(value);
  if (wanted.length === 0) return views;
  return views.filter((view) => {
    const tags = view.service.tags.map((t) => t.toLowerCase());
    return wanted.every((tag) => tags.includes(tag));
  });
}

/**
 * The key of a service read's answer for `SharedAnswers`: everything the answer depends on besides the index
 * (route, service name as matched, `?passing`, `?tag`s, `?filter`).
 */
export function answerKey(route: string, service: string, query: ServiceQuery): string {
  const tags = tagsOf(query.tag);
  return JSON.stringify([route, service.toUpperCase(), firstValue(query.passing) ?? null, tags, query.filter ?? null]);
}

/** True when every check passes: Consul's `?passing` filter, node checks included. */
export function allPassing(checks: readonly CheckView[]): boolean {
  return checks.every((check) => check.status === "passing");
}

/** The index a blocking query waits on, and a key naming it, so the queries held on it are checked as one group. */
export interface WatchedIndex {
  readonly key: string;
  readonly current: () => number;
}

/** The index of everything (catalog lists, node and state queries). */
export function globalIndex(context: ConsulContext): WatchedIndex {
  return { key: "global", current: () => context.index.global() };
}

/** The index of one service's answers (names match case-insensitively, as `Registry.appIndex`). */
export function serviceIndex(context: ConsulContext, name: string): WatchedIndex {
  return { key: `service ${name.toUpperCase()}`, current: () => context.index.service(name) };
}

/**
 * Checks the request's consistency params (Consul's parseConsistency), waits per its blocking params (parseWait),
 * then sets `X-Consul-Index` to the index the answer is at and `X-Consul-Effective-Consistency` to the mode asked
 * for (Consul's `setMeta`; one node answers every mode from its own state, so the mode is what the read asked).
 */
export async function block(
  context: ConsulContext,
  request: FastifyRequest,
  reply: FastifyReply,
  watched: WatchedIndex,
): Promise<void> {
  // Consul reads each parameter by its first value (url.Values.Get): `?index=5&index=9` blocks at 5.
  const query = request.query as Record<string, string | string[] | undefined>;
  // `?dc=` names a datacenter to forward to; this registry is one, so another name has no path (never a local answer).
  const dc = firstValue(query.dc);
  if (dc && dc !== context.node.datacenter) throw noPathToDatacenter();
  const params: BlockingParams = { index: firstValue(query.index), wait: firstValue(query.wait) };
  // Consul's parseConsistency runs before any read: conflicting modes are a 400, `?cached` is reported as a miss.
  const consistency = readConsistency(query);
  if (consistency.cached) reply.header("x-cache", "MISS");
  // A query with an index may hold (Consul's blocking query): it counts against the long-poll caps while it runs.
  if (params.index) admitLongPoll(request, reply);
  const held = heldRequest(request, reply);
  try {
    await blockUntilChanged(context.index, watched.current, params, context.random, held.signal, watched.key);
  } finally {
    held.done();
  }
  reply.header("x-consul-index", String(watched.current()));
  reply.header("x-consul-effective-consistency", consistency.level);
}

/** True when `name` is this node (Consul matches node names exactly). */
export function isThisNode(context: ConsulContext, name: string): boolean {
  return name === context.node.name;
}
