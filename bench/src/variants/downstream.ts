import { Agent } from "node:http";
import { Agent as UndiciAgent } from "undici";
import { SERVER_TIMING, upstreamMsOf } from "../fleet/server-timing.js";

/** What one downstream call answered. */
export interface CallAnswer {
  /** The status the client service answers with (502 when the call failed). */
  readonly status: number;
  /** The answering upstream's own time (its `Server-Timing`), ms; absent when no upstream answered. */
  readonly upstreamMs?: number;
}

/** One downstream call made for each incoming request, however the variant governs it. */
export interface Downstream {
  /** Makes the call; resolves with what it answered, never rejects. */
  call(): Promise<CallAnswer>;
  /** Attempts per instance and the time of the last one (epoch ms), where the variant can see them. */
  attempts(): Record<string, { count: number; lastAt: number }>;
  /** Failed calls by error code (e.g. ECONNRESET, ECONNABORTED, HTTP_503), where the variant can see them. */
  failures(): Record<string, number>;
  /** Times (epoch ms) of governance events the variant saw (ejections, a policy change applied), where it can. */
  marks?(): Record<string, number>;
  close(): void;
}

/** Counts failures by a short code: the error's `code`, else `HTTP_<status>`, else its name. */
export function failureCounter(): { count(error: unknown): void; counts: Record<string, number> } {
  const counts: Record<string, number> = {};
  return {
    counts,
    count(error) {
      const e = error as { code?: string; name?: string; response?: { status?: number } };
      const status = e.response?.status;
      const code = status !== undefined ? `HTTP_${status}` : (e.code ?? e.name ?? "unknown");
      counts[code] = (counts[code] ?? 0) + 1;
    },
  };
}

/** The connection pool every variant uses, so variants differ only in governance, not in HTTP plumbing. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: POOL.connections, keepAliveMsecs: POOL.keepAliveMs });
}

/** The HTTP client a variant sends with: axios on node:http, or undici (`request`). */
export type Transport = "axios" | "undici";

/** Keep-alive settings of every client, per transport (256 connections per origin, 30 s idle). */
export const POOL = { connections: 256, keepAliveMs: 30_000 } as const;

/** The undici pool settings every undici variant uses (the same limits as `keepAliveAgent`). */
export function undiciPoolOptions(): { connections: number; keepAliveTimeout: number } {
  return { connections: POOL.connections, keepAliveTimeout: POOL.keepAliveMs };
}

/** An undici Agent with the same limits as `keepAliveAgent`, for the undici baseline. */
export function undiciAgent(): UndiciAgent {
  return new UndiciAgent(undiciPoolOptions());
}

/** A response's status and its upstream's time, from any client's response headers. */
export function answerOf(status: number, headers: Record<string, string | string[] | undefined>): CallAnswer {
  const upstreamMs = upstreamMsOf(headers[SERVER_TIMING]);
  return upstreamMs === undefined ? { status } : { status, upstreamMs };
}
