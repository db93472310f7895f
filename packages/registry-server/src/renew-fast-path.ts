import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import { wantsJson } from "./content-negotiation.js";
import { toEurekaXml } from "./eureka-xml.js";
import { isInstanceStatus } from "./instance-info.js";
import type { Registry } from "./registry.js";
import type { RenewOptions } from "./registry-types.js";
import { REPLICATION_HEADER, renewAnswer } from "./routes/eureka-writes.js";

/** What the fast path needs besides the registry: the access check, the request timer, and whether to stand back. */
export interface RenewFastPathOptions {
  readonly registry: Registry;
  /**
   * True when a request with these headers and query may write. When it returns false the request goes through
   * the framework, whose access hook answers the refusal (401/403) as for every other route.
   */
  readonly mayWrite: (headers: IncomingMessage["headers"], query: Record<string, unknown>) => boolean;
  /** Records an answered renewal in the request-duration metric (route label as the framework would give it). */
  readonly observe: (route: string, status: number, seconds: number) => void;
  /** True while the server is closing: the framework then answers (503, `connection: close`). */
  readonly closing: () => boolean;
}

/** `PUT /eureka[/v2]/apps/APP/ID[/]` with an optional query; names with `%` escapes go the framework's way. */
const RENEW_PATH = /^(\/eureka(?:\/v2)?)\/apps\/([^/?%]+)\/([^/?%]+)\/?(?:\?(.*))?$/;
const STATUS_KEYS = ["status", "overriddenstatus"] as const;

/** A single string value, or undefined when absent; null when repeated (the framework answers those). */
function single(value: string | string[] | undefined): string | undefined | null {
  return Array.isArray(value) ? null : value;
}

/**
 * The renewal's options from its query, or undefined when anything in it is not plainly valid: such a request is
 * left to the framework's route, which answers it (a 400 for a bad lastDirtyTimestamp; a status Eureka would not
 * parse is ignored there, as renewLease ignores it). Nothing is changed before this returns.
 */
function renewOptions(
  query: Record<string, string | string[] | undefined>,
  replicated: boolean,
): RenewOptions | undefined {
  const options: { -readonly [K in keyof RenewOptions]: RenewOptions[K] } = {
    origin: replicated ? "replication" : "local",
  };
  for (const key of STATUS_KEYS) {
    const raw = single(query[key]);
    if (raw === null) return undefined;
    if (raw === undefined || raw === "") continue;
    const upper = raw.toUpperCase();
    if (!isInstanceStatus(upper)) return undefined;
    if (key === "status") options.status = upper;
    else options.overriddenStatus = upper;
  }
  const dirty = single(query.lastDirtyTimestamp);
  if (dirty === null) return undefined;
  if (dirty !== undefined && dirty !== "") {
    const n = Number(dirty);
    if (!Number.isSafeInteger(n)) return undefined;
    options.lastDirtyTimestamp = n;
  }
  return options;
}

/**
 * Eureka's heartbeat (`PUT /eureka/apps/APP/ID?status=UP&lastDirtyTimestamp=…`) answered on Node's request event,
 * before the framework's router, hooks and reply machinery: a fleet of 10 000 instances sends hundreds a second and
 * the framework's own per-request work cost more than the renewal itself (bench/registry.bench.ts). The answers
 * are those of the framework's route (`eurekaWriteRoutes`): 200, 404 with a JSON body, 409 with our instance as
 * JSON or XML. Only a request that is plainly a renewal takes this path — no body, a valid query, allowed to
 * write, server not closing; anything else (a bad status, an escaped name, a refused token) returns false before
 * anything is changed, and the framework answers it as before. Returns true when it answered.
 */
export function renewFastPath(options: RenewFastPathOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { registry } = options;
  return (req, res) => {
    if (req.method !== "PUT") return false;
    const match = RENEW_PATH.exec(req.url ?? "");
    if (!match) return false;
    const { headers } = req;
    if (headers["transfer-encoding"] !== undefined) return false;
    const length = headers["content-length"];
    if (length !== undefined && length !== "0") return false;
    if (options.closing()) return false;
    const [, prefix, app, id, search] = match as unknown as [string, string, string, string, string | undefined];
    const query = search ? parseQuery(search) : {};
    if (!options.mayWrite(headers, query)) return false;
    const renew = renewOptions(query, headers[REPLICATION_HEADER] === "true");
    if (!renew) return false;
    const started = performance.now();
    const answer = renewAnswer(registry.renewChecked(app, id, renew));
    let status = answer.status;
    let type: string | undefined;
    let body: string | undefined;
    if (answer.status === 409) {
      res.setHeader("vary", "accept");
      const json = wantsJson({ headers });
      type = json ? "application/json; charset=utf-8" : "application/xml";
      body = json ? JSON.stringify(answer.body) : toEurekaXml(answer.body);
    }
    if (body === undefined) {
      res.writeHead(status, { ...answer.headers, "content-length": "0" });
      res.end();
    } else {
      res.writeHead(status, { "content-type": type, "content-length": String(Buffer.byteLength(body)) });
      res.end(body);
    }
    // The request has no body, but its stream must still end so the connection reads the next request.
    req.resume();
    status = res.statusCode;
    options.observe(`${prefix}/apps/:app/:id`, status, (performance.now() - started) / 1000);
    return true;
  };
}
