import { redactSecrets } from "@outrigger/core";
import type { Clock } from "../clock.js";
import { RegistryError } from "../errors.js";
import { checkReportKey, REPORT_CLAIM_TTL_MS, ReportClaims } from "./report-claims.js";
import { SERVICE_NAME } from "./service-name.js";

/** What an SDK process says about the policy revision it was sent, as an xDS client's ACK/NACK. */
export interface PolicyReport {
  readonly service: string;
  /** The reporting process: its instance id, or a client id for a process that only calls. */
  readonly process: string;
  readonly revision: number;
  readonly status: "ACK" | "NACK";
  /** Why a NACK: what the SDK could not apply (at most 1 024 characters). */
  readonly reason?: string;
  /** Registry clock ms when the report arrived. */
  readonly at: number;
}

/** 10 000 processes across all services; past it the least recently heard-from report goes first. */
export const MAX_POLICY_REPORTS = 10_000;
const MAX_REASON = 1024;

/** Reads a report body; throws `REGISTRY_BAD_REQUEST` naming the field. */
export function parseReport(body: unknown, now: number): PolicyReport {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const process = b.instanceId ?? b.clientId;
  const bad = (field: string): never => {
    throw new RegistryError(
      "REGISTRY_BAD_REQUEST",
      `Policy report: ${field}; send {"service", "instanceId" or "clientId", "revision", "status": "ACK"|"NACK", "reason"?, "clientKey"?}`,
    );
  };
  if (typeof b.service !== "string" || !SERVICE_NAME.test(b.service)) bad("service");
  if (typeof process !== "string" || process.length === 0 || process.length > 256) bad("instanceId or clientId");
  if (!Number.isSafeInteger(b.revision) || (b.revision as number) < 0) bad("revision must be a whole number");
  if (b.status !== "ACK" && b.status !== "NACK") bad('status must be "ACK" or "NACK"');
  if (b.reason !== undefined && typeof b.reason !== "string") bad("reason must be text");
  return {
    service: String(b.service).toUpperCase(),
    process: String(process),
    revision: b.revision as number,
    status: b.status as "ACK" | "NACK",
    // Redacted, then cut: an SDK's reason quotes what it refused, which may hold a URL with userinfo or a token; cut
    // first, a secret across the cut lost what marks it ("https://user:pass" without its "@") and was kept in part.
    ...(b.status === "NACK" ? { reason: redactSecrets(String(b.reason ?? "")).slice(0, MAX_REASON) } : {}),
    at: now,
  };
}

/**
 * The last report of each process, per service; bounded (see `MAX_POLICY_REPORTS`). A report may carry the
 * process's `clientKey` (a random secret the SDK makes at start): the first key to report or watch under a process id
 * claims it, and reports under that id with another key are refused while the claim lives (`ReportClaims`).
 */
export class PolicyReports {
  readonly #reports = new Map<string, PolicyReport>();
  readonly #claims: ReportClaims;
  readonly #clock: Clock;
  readonly #max: number;
  #version = 0;

  constructor(clock: Clock, max = MAX_POLICY_REPORTS, claimTtlMs = REPORT_CLAIM_TTL_MS) {
    this.#clock = clock;
    this.#max = max;
    this.#claims = new ReportClaims(() => clock.now(), claimTtlMs, max);
  }

  /** Moves forward on every report, so the dashboard knows when to push. */
  get version(): number {
    return this.#version;
  }

  /**
   * Records a report body (see `parseReport`), replacing the process's previous one. Throws `REGISTRY_BAD_REQUEST`
   * for a malformed body or key, `REGISTRY_REPORT_CLAIMED` (409) when the process id is claimed by another key.
   */
  record(body: unknown): PolicyReport {
    const now = this.#clock.now();
    const report = parseReport(body, now);
    const clientKey = checkReportKey((body as { clientKey?: unknown }).clientKey);
    const key = `${report.service}\u0000${report.process}`;
    this.#claims.claim(key, report.process, clientKey);
    this.#reports.delete(key);
    this.#reports.set(key, report);
    if (this.#reports.size > this.#max) this.#reports.delete(this.#reports.keys().next().value as string);
    this.#version += 1;
    return report;
  }

  /**
   * A watch of `service` by `process` carrying its `clientKey` starts: its claim on the id lives while the watch is
   * held; call the returned function when it ends (see `ReportClaims.watch`).
   */
  watch(service: string, process: string, clientKey: string): () => void {
    return this.#claims.watch(`${service.toUpperCase()}\u0000${process}`, clientKey);
  }

  /** Every report of a service, by process. */
  of(service: string): PolicyReport[] {
    const name = service.toUpperCase();
    return [...this.#reports.values()].filter((r) => r.service === name);
  }

  /** Every report. */
  all(): PolicyReport[] {
    return [...this.#reports.values()];
  }
}
