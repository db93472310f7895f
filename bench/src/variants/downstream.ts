import { Agent } from "node:http";

/** One downstream call made for each incoming request, however the variant governs it. */
export interface Downstream {
  /** Makes the call; resolves with the status the client service answers with (502 when the call failed). */
  call(): Promise<number>;
  /** Attempts per instance and the time of the last one (epoch ms), where the variant can see them. */
  attempts(): Record<string, { count: number; lastAt: number }>;
  close(): void;
}

/** The connection pool every variant uses, so variants differ only in governance, not in HTTP plumbing. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 });
}
