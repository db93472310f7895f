import type { IncomingHttpHeaders } from "node:http";
import type { FastifyPluginCallback } from "fastify";
import type { ServerContext } from "../context.js";
import { RegistryError } from "../errors.js";
import { toEurekaInstance } from "../eureka-codec.js";
import { isInstanceStatus, parseRegistration } from "../instance-info.js";
import { receivePolicyTask } from "../policy/replication.js";
import { type ReplicationReceivedMessage, registryChannels } from "../registry-channels.js";
import type { Lease } from "../registry-types.js";
import { appIndexesOf, exchangeAppIndexes } from "../replication/app-indexes.js";
import {
  APP_INDEXES_FIELD,
  BATCH_PATH,
  INDEX_HEADER,
  INDEXES_PATH,
  type ReplicationResult,
  type ReplicationTask,
} from "../replication/task.js";
import { readWrittenAt, WRITTEN_AT_FIELD } from "../write-order.js";
import { renewAnswer, statusParam, timestampParam } from "./eureka-writes.js";

/**
 * A 409 with our copy and, to an Outrigger peer (`stamped`: its batch carried `INDEX_HEADER`), its write stamp; an
 * Eureka peer gets Eureka's entity only.
 */
function conflict(lease: Lease, stamped: boolean): ReplicationResult {
  const stamp = stamped && lease.writtenAt !== undefined ? { [WRITTEN_AT_FIELD]: lease.writtenAt } : {};
  return { statusCode: 409, responseEntity: { instance: toEurekaInstance(lease), ...stamp } };
}

/** A peer's copy written before this registry's cancel of the instance: not applied (`RegisterOutcome`). */
function cancelledHere(task: ReplicationTask): ReplicationResult {
  const message = `Instance ${task.id} of ${task.appName.toUpperCase()} was cancelled here after this copy was written`;
  return { statusCode: 404, responseEntity: { code: "REGISTRY_NOT_FOUND", message } };
}

/** Publishes a batch applied here (its tasks by action, those not answered 2xx) for tracing. */
function publishReceived(
  list: readonly unknown[],
  results: readonly ReplicationResult[],
  headers: IncomingHttpHeaders,
  startedAt: number,
): void {
  const actions: Record<string, number> = {};
  for (const task of list) {
    const action = isTask(task) ? String(task.action) : "invalid";
    actions[action] = (actions[action] ?? 0) + 1;
  }
  const failed = results.filter((r) => r.statusCode < 200 || r.statusCode > 299).length;
  const message: ReplicationReceivedMessage = { tasks: list.length, actions, failed, headers, startedAt };
  registryChannels.replicationReceived.publish(message);
}

function isTask(value: unknown): value is ReplicationTask {
  const t = value as Partial<ReplicationTask> | null;
  return typeof t === "object" && t !== null && typeof t.appName === "string" && typeof t.id === "string";
}

/**
 * Eureka's `POST /peerreplication/batch`: a peer's writes in one request. They are applied with origin
 * `replication`, so they are never replicated again, and each gets the answer its single request would have had.
 */
export function replicationRoutes(ctx: ServerContext): FastifyPluginCallback {
  const { registry } = ctx;
  /**
   * An Eureka peer's status override or its removal, applied as that peer's single request would be
   * (PeerReplicationResource.handleStatusUpdate / handleDeleteStatusOverride → InstanceResource.statusUpdate /
   * deleteStatusUpdate with `status` the new status, the dirty timestamp unchanged): an operator's OUT_OF_SERVICE
   * set on an Eureka node reaches this one. Before, both fell through to a heartbeat and changed nothing.
   */
  const statusTask = (task: ReplicationTask): ReplicationResult => {
    const sent = timestampParam(task.lastDirtyTimestamp === undefined ? undefined : String(task.lastDirtyTimestamp));
    const options = { origin: "replication" as const, ...(sent !== undefined ? { lastDirtyTimestamp: sent } : {}) };
    const status = statusParam(task.status ?? undefined, "status");
    if (task.action === "DeleteStatusOverride") {
      const applied = registry.deleteStatusOverride(task.appName, task.id, status ?? "UNKNOWN", options);
      return { statusCode: applied ? 200 : 404 };
    }
    if (status === undefined) throw new RegistryError("REGISTRY_BAD_REQUEST", "A StatusUpdate needs its new status");
    return { statusCode: registry.setStatusOverride(task.appName, task.id, status, options) ? 200 : 404 };
  };
  const apply = (task: ReplicationTask, stamped: boolean): ReplicationResult => {
    try {
      if (task.action === "Policy") return receivePolicyTask(ctx.policies?.store, task);
      if (task.action === "Register") {
        // registerChecked checks the stamp (a 400 for one the write clock refuses), then our cancels.
        const outcome = registry.registerChecked(
          parseRegistration({ instance: task.instanceInfo }, task.appName, task.lastDirtyTimestamp),
          "replication",
          readWrittenAt(task),
        );
        if (outcome.kind === "cancelled") return cancelledHere(task);
        // Our copy is newer (lastDirtyTimestamp, then the write stamp): nothing was applied; the sender adopts ours.
        if (outcome.kind === "conflict") return conflict(outcome.lease, stamped);
        return { statusCode: 200 };
      }
      if (task.action === "StatusUpdate" || task.action === "DeleteStatusOverride") return statusTask(task);
      if (task.action === "Cancel") {
        const cancelled = registry.cancel(task.appName, task.id, "replication", readWrittenAt(task));
        return { statusCode: cancelled ? 200 : 404 };
      }
      const outcome = registry.renewChecked(task.appName, task.id, {
        lastDirtyTimestamp: Number(task.lastDirtyTimestamp),
        ...(isInstanceStatus(task.overriddenStatus) ? { overriddenStatus: task.overriddenStatus } : {}),
        origin: "replication",
      });
      if (outcome.kind === "conflict") return conflict(outcome.lease, stamped);
      return { statusCode: renewAnswer(outcome).status };
    } catch (error) {
      const code = error instanceof RegistryError ? { code: error.code } : {};
      return { statusCode: 400, responseEntity: { ...code, message: (error as Error).message } };
    }
  };
  return (app, _options, done) => {
    app.post(BATCH_PATH, async (request, reply) => {
      const startedAt = performance.now();
      const list = (request.body as { replicationList?: unknown } | null)?.replicationList;
      if (!Array.isArray(list)) throw new RegistryError("REGISTRY_BAD_REQUEST", 'Send {"replicationList": [...]}');
      const stamped = request.headers[INDEX_HEADER] !== undefined;
      const responseList = list.map((task) => (isTask(task) ? apply(task, stamped) : { statusCode: 400 }));
      if (registryChannels.replicationReceived.hasSubscribers)
        publishReceived(list, responseList, request.headers, startedAt);
      // One index across peers: the sender's index is merged after its writes are numbered here, so the next
      // change here numbers above anything it handed out. Each application of the batch takes the sender's index
      // of it when higher, and ours goes back in the answer for the sender to take when ours is higher (we
      // numbered the change above the sender): afterwards both answer a watch of it with one index.
      registry.mergeIndex(Number(request.headers[INDEX_HEADER]));
      const appIndexes = exchangeAppIndexes(
        registry,
        request.body,
        list.filter(isTask).map((task) => task.appName),
      );
      reply.header(INDEX_HEADER, String(registry.version));
      return { responseList, [APP_INDEXES_FIELD]: appIndexes };
    });
    // A (re)starting peer's sync reads these after copying the full registry (see `Replicator.syncFromPeers`).
    app.get(INDEXES_PATH, async () => ({
      version: registry.version,
      [APP_INDEXES_FIELD]: appIndexesOf(registry, registry.applications().keys()),
      // The starting peer's writes then stamp above every one made or seen here (`WriteClock`).
      [WRITTEN_AT_FIELD]: registry.writeClock.last,
    }));
    done();
  };
}
