import { randomBytes } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { EventSource, redactSecrets, redactUrl } from "@outrigger/core";
import { type PolicyUpdate, readPolicyRecord } from "@outrigger/policy";
import { Backoff, type BackoffOptions, sleep } from "./backoff.js";
import { CachedInstancer } from "./cached-instancer.js";
import {
  CarriedReport,
  identityHeaders,
  REPORT_REFUSED_HEADER,
  REPORT_WAIT_MS,
  REPORTS_ON_WATCH_HEADER,
  type ReporterIdentity,
  type WatchPolicyReport,
} from "./carried-report.js";
import { checkName, DiscoveryError, durationOption } from "./errors.js";
import { parseApplication } from "./eureka-wire.js";
import type { InstanceCacheOptions } from "./instance-cache.js";
import { RegistryAccess, type RegistryAccessOptions } from "./registry-access.js";
import { registryRequest } from "./registry-http.js";
import { RestartGrace } from "./restart-grace.js";

/** Settings of a watching instancer. */
export interface RegistryWatchInstancerOptions extends InstanceCacheOptions, RegistryAccessOptions {
  /** The registry's Eureka base URL, e.g. `http://127.0.0.1:8761/eureka`; the watch lives beside it. */
  readonly registryUrl: string;
  readonly service: string;
  /** How long the registry may hold each watch (default 30 s; the registry caps it at 5 min). */
  readonly waitMs?: number;
  /** Delays between attempts while the registry fails (default 250 ms doubling up to 30 s, jittered). */
  readonly backoff?: BackoffOptions;
  /**
   * After the registry restarted (its index went backwards) it is empty until every instance's registrar is back,
   * which takes up to one heartbeat. For this long the instancer keeps the instances it knew before the restart
   * beside the ones that are back, so callers never see the fleet shrink to the few that re-registered first.
   * Default 30 s, Eureka's heartbeat; 0 turns it off.
   */
  readonly restartGraceMs?: number;
}

/** The registry's base URL (before `/eureka` or `/eureka/v2`), where Outrigger's own routes live. */
export function registryOrigin(registryUrl: string): string {
  return registryUrl.replace(/\/+$/, "").replace(/\/eureka(\/v2)?$/, "");
}

/**
 * Slack on top of the hold time before a watch counts as lost: the registry answers at the end of the hold, and a
 * busy machine may take a moment more; a dead peer must still be noticed.
 */
const WATCH_SLACK_MS = 10_000;
/** A policy report is one small POST: 5 s is far beyond a healthy registry and bounds a hung one. */
const REPORT_TIMEOUT_MS = 5_000;

/**
 * One service's instances pushed by an Outrigger registry: a long poll on `/outrigger/watch/apps/{APP}` that the
 * registry answers the moment the application changes, so changes arrive in milliseconds instead of a poll
 * interval. It sends the index of the last answer; when the registry's index goes backwards (the registry
 * restarted) the answer is taken whole and the index starts over. Failures back off with jitter, and the last
 * good set keeps serving meanwhile.
 */
export class RegistryWatchInstancer extends CachedInstancer {
  readonly #options: RegistryWatchInstancerOptions;
  readonly #backoff: Backoff;
  readonly #resets = new EventSource<{ from: number; to: number }>();
  readonly #stop = new AbortController();
  readonly #access: RegistryAccess;
  /** The index sent with the next watch; -1 asks for an immediate, whole answer. */
  #index = -1;
  /** The last index the registry gave, kept across reconnections to notice that the registry started over. */
  #lastSeen = -1;
  readonly #grace: RestartGrace;
  /** Fires when the registry's index went backwards (it restarted) and the watch started over. */
  readonly onReset = this.#resets.event;
  readonly #policies = new EventSource<PolicyUpdate>();
  #policy: PolicyUpdate | undefined;
  /** The last served policy record, to tell another policy from a repeat (`samePolicy`). */
  #servedPolicy: ServedPolicy | undefined;
  /**
   * Fires with the service's traffic policy (the watch answer's `policy` part, read with `@outrigger/policy`'s
   * `readPolicyRecord`) on the first answer and whenever the policy changes: its revision or, after a registry
   * restart, its content under the same revision (not the registry's bookkeeping fields). A revision the schema
   * refuses comes with `issues`, for the SDK to NACK.
   */
  readonly onPolicy = this.#policies.event;

  readonly #carried = new CarriedReport();
  /** Set by `reportOnWatch()`: reports of new policies ride on the next watch request. */
  #reportsOnWatch = false;
  /** Set by `reportOnWatch(process)`: this process's id and report key, named on every watch. */
  #identity: ReporterIdentity | undefined;
  /** The last answer said the registry reads reports carried on the watch (`REPORTS_ON_WATCH_HEADER`). */
  #registryCarries = false;

  /** The last policy the registry sent (see `onPolicy`); undefined before the first answer. */
  policy(): PolicyUpdate | undefined {
    return this.#policy;
  }

  /**
   * From now on, the report of each new policy rides on the next watch request, as an xDS client ACKs or NACKs on
   * its next DiscoveryRequest: after handing on a new revision the watch waits (at most 1 s) for `reportPolicy`
   * and carries it in headers (`carried-report.ts`), one HTTP exchange per push instead of two. Only with a
   * registry that says it reads them (its watch answers carry `X-Outrigger-Policy-Reports: watch`); else, and for
   * a report that comes late or is too long, `reportPolicy` POSTs as before. Call it only when every new revision
   * gets a report, or each one holds the next watch for the full second.
   *
   * With `process` (the id its reports give), the watch makes a random key and names both on every request
   * (`REPORT_CLIENT_HEADER`, `REPORT_KEY_HEADER`) and each report carries the key: while this process watches, the
   * registry takes reports under its id from this key alone, so another holder of the read token cannot overwrite
   * them. A report refused because an earlier process still holds the id (a restart under the same id) is carried
   * again until the old claim lapses.
   */
  reportOnWatch(process?: string): void {
    this.#reportsOnWatch = true;
    if (process !== undefined && this.#identity === undefined) {
      this.#identity = {
        process,
        key: randomBytes(16).toString("base64url"),
      };
    }
  }

  /**
   * Tells the registry which policy revision this process runs (an xDS client's ACK, or NACK with the reason):
   * carried on the next watch request after `reportOnWatch()`, else `POST /outrigger/policy/reports` with the
   * watch's token and timeout. Rejects with DISCOVERY_REGISTRY_REJECTED when the registry refuses the POST; a
   * carried report the watch could not deliver is carried again by the next one.
   */
  async reportPolicy(report: WatchPolicyReport): Promise<void> {
    if (this.#carried.offer(report)) return;
    const { status } = await registryRequest(`${registryOrigin(this.#access.url)}/outrigger/policy/reports`, {
      method: "POST",
      body: {
        service: this.#options.service,
        clientId: report.process,
        revision: report.revision,
        status: report.status,
        ...(report.reason === undefined ? {} : { reason: redactSecrets(report.reason) }),
      },
      timeoutMs: REPORT_TIMEOUT_MS,
      signal: this.#stop.signal,
      access: this.#access,
      // The key rides in a header, not the body: a redirect off-origin drops it with the token (a body goes along).
      ...(this.#identity?.process === report.process
        ? { credentialHeaders: identityHeaders(this.#identity)?.credentials }
        : {}),
    });
    if (status !== 200) throw watchRejected(status, this.#options.registryUrl, "Policy report");
  }

  constructor(options: RegistryWatchInstancerOptions) {
    checkName("service", options.service);
    super(options);
    this.#options = options;
    this.#access = new RegistryAccess(options.registryUrl, options);
    durationOption("waitMs", options.waitMs, 30_000);
    this.#backoff = new Backoff(options.backoff);
    this.#grace = new RestartGrace(durationOption("restartGraceMs", options.restartGraceMs, 30_000, 0), (instances) =>
      this.cache.update(instances),
    );
    void this.#loop();
  }

  override close(): void {
    this.#grace.close();
    this.#stop.abort();
    void this.#access.close();
    super.close();
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      try {
        // The report on the policy just handed on goes with the next poll (xDS: no request before the ACK/NACK).
        await this.#carried.ready(REPORT_WAIT_MS);
        // The next poll reuses this one's connection: registryRequest returns once undici has freed it.
        await this.#watchOnce();
        this.#backoff.reset();
      } catch (error) {
        if (this.#stop.signal.aborted) return;
        // After a failure, ask for the whole current state at once rather than holding on an index that a
        // restarted registry may have reached again with different content.
        this.#index = -1;
        this.cache.fail(error as Error);
        await sleep(this.#backoff.next(), this.#stop.signal);
      }
    }
  }

  async #watchOnce(): Promise<void> {
    const waitMs = this.#options.waitMs ?? 30_000;
    const app = encodeURIComponent(this.#options.service.toUpperCase());
    const url = `${registryOrigin(this.#access.url)}/outrigger/watch/apps/${app}?index=${this.#index}&wait=${waitMs}ms`;
    const carried = this.#carried.take();
    const named = identityHeaders(this.#identity);
    const headers = named || carried ? { ...named?.headers, ...carried } : undefined;
    let answer: Awaited<ReturnType<typeof registryRequest>>;
    try {
      answer = await registryRequest(url, {
        method: "GET",
        timeoutMs: waitMs + WATCH_SLACK_MS,
        signal: this.#stop.signal,
        access: this.#access,
        ...(headers ? { headers } : {}),
        ...(named ? { credentialHeaders: named.credentials } : {}),
      });
    } catch (error) {
      this.#carried.settled("failed");
      throw error;
    }
    const { status, body, headers: answered } = answer;
    const claimed = answered.get(REPORT_REFUSED_HEADER) === "claimed";
    this.#carried.settled(status === 200 ? (claimed ? "claimed" : "delivered") : status < 500 ? "refused" : "failed");
    if (status !== 200) throw watchRejected(status, this.#options.registryUrl);
    this.#registryCarries = answered.get(REPORTS_ON_WATCH_HEADER) === "watch";
    const next = Number(answered.get("x-outrigger-index"));
    if (!Number.isInteger(next)) {
      throw new DiscoveryError("DISCOVERY_BAD_RESPONSE", "Watch answered without an X-Outrigger-Index header");
    }
    const instances = parseApplication(body);
    if (this.#stop.signal.aborted) return;
    if (next < this.#lastSeen) {
      this.#grace.restarted();
      this.#resets.emit({ from: this.#lastSeen, to: next });
    }
    this.#index = next;
    this.#lastSeen = next;
    this.cache.update(this.#grace.apply(instances));
    // The revision and the policy's content decide, not the number alone: a lone registry restarted numbers its
    // revisions from 1 again, so the revision a client runs can come back with other content. Nor the record
    // whole: peers serve one revision with their own bookkeeping (`globalRevision`, `updatedAt`, key order), and
    // behind a round-robin proxy every answer would count as a change. An unchanged policy is neither checked nor
    // emitted again.
    const served = servedPolicy((body as { policy?: unknown }).policy);
    if (this.#policy === undefined || !samePolicy(served, this.#servedPolicy)) {
      this.#servedPolicy = served;
      this.#policy = readPolicyRecord(served.record, this.#options.service);
      if (this.#reportsOnWatch && this.#registryCarries && this.#policy.revision > 0) {
        this.#carried.expect(this.#policy.revision);
      }
      this.#policies.emit(this.#policy);
    }
  }
}

/**
 * The error for a watch answered other than 200. Only a 404 (no such route: a stock Eureka server) suggests the
 * registry is not an Outrigger one; a 503 from a registry shutting down or a proxy with no server up must not send
 * the operator to the wrong fix.
 */
function watchRejected(status: number, registryUrl: string, what = "Watch"): DiscoveryError {
  const hint =
    status === 404
      ? `is ${redactUrl(registryUrl)} an Outrigger registry? Use EurekaDeltaInstancer for a stock Eureka server`
      : status >= 500
        ? "the registry (or a proxy in front of it) is unavailable; retrying with backoff"
        : status === 409
          ? "another process reports under this process id (REGISTRY_REPORT_CLAIMED): give each process its own id"
          : "check the registry's log";
  return new DiscoveryError("DISCOVERY_REGISTRY_REJECTED", `${what} answered ${status}: ${hint}`);
}

/** A watch answer's `policy` part, and what of it tells one policy from another: its revision and its content. */
interface ServedPolicy {
  readonly record: unknown;
  readonly revision: unknown;
  readonly policy: unknown;
}

function servedPolicy(record: unknown): ServedPolicy {
  const fields = typeof record === "object" && record !== null ? (record as Record<string, unknown>) : {};
  return { record, revision: fields.revision, policy: fields.policy };
}

/**
 * True when two answers carry one policy: the same revision and the same content, compared by value (key order
 * aside). The registry's bookkeeping fields (`globalRevision`, `updatedAt`, `rolledBackFrom`) differ between peers
 * that serve one revision, and say nothing about what the SDK runs.
 */
function samePolicy(a: ServedPolicy, b: ServedPolicy | undefined): boolean {
  if (b === undefined) return false;
  if ((a.record === null || a.record === undefined) !== (b.record === null || b.record === undefined)) return false;
  return a.revision === b.revision && isDeepStrictEqual(a.policy, b.policy);
}
