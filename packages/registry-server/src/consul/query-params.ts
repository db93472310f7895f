import type { FastifyReply, FastifyRequest } from "fastify";
import { admitLongPoll } from "../hooks/long-poll-admission.js";
import { heldRequest } from "../hooks/shutdown.js";
import { type BlockingParams, blockUntilChanged } from "./blocking.js";
import { badRequest } from "./consul-error.js";
import type { ConsulContext } from "./context.js";
import type { CheckView } from "./mapping.js";
import type { InstanceView } from "./views.js";

/** The query of a read on one service. */
export interface ServiceQuery extends BlockingParams {
  readonly passing?: string;
  readonly tag?: string | string[];
  readonly filter?: string;
}

/** Consul reads `?passing` with no value as true, and otherwise as a boolean. */
export function flag(value: string | undefined, name: string): boolean {
  if (value === undefined) return false;
  if (value === "" || value === "true" || value === "1") return true;
  if (value === "false" || value === "0") return false;
  throw badRequest(`Invalid value for ?${name}: "${value}" (use true or false)`);
}

/** `?tag=` given once or repeated; an instance must carry every one. */
export function withTags(views: InstanceView[], value: string | string[] | undefined): InstanceView[] {
  const wanted = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return views.filter((view) => wanted.every((tag) => view.service.tags.includes(tag)));
}

/**
 * The key of a service read's answer for `SharedAnswers`: everything the answer depends on besides the index
 * (route, service name as matched, `?passing`, `?tag`s).
 */
export function answerKey(route: string, service: string, query: ServiceQuery): string {
  const tags = query.tag === undefined ? [] : Array.isArray(query.tag) ? query.tag : [query.tag];
  return JSON.stringify([route, service.toUpperCase(), query.passing ?? null, tags]);
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
 * Waits per the request's blocking params (Consul's parseWait rules), then sets `X-Consul-Index` to the index the
 * answer is at.
 */
export async function block(
  context: ConsulContext,
  request: FastifyRequest,
  reply: FastifyReply,
  watched: WatchedIndex,
): Promise<void> {
  const params = request.query as BlockingParams;
  // A query with an index may hold (Consul's blocking query): it counts against the long-poll caps while it runs.
  if (params.index) admitLongPoll(request, reply);
  const held = heldRequest(request, reply);
  try {
    await blockUntilChanged(context.index, watched.current, params, context.random, held.signal, watched.key);
  } finally {
    held.done();
  }
  reply.header("x-consul-index", String(watched.current()));
}

/** True when `name` is this node (Consul matches node names exactly). */
export function isThisNode(context: ConsulContext, name: string): boolean {
  return name === context.node.name;
}
