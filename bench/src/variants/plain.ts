import axios from "axios";
import { type Downstream, failureCounter, keepAliveAgent } from "./downstream.js";

/**
 * No governance: round robin over a fixed list of base URLs, no retries, no timeouts. With the upstreams' URLs it is
 * the *direct* baseline; with one sidecar URL it is the client of the HAProxy variants (HAProxy governs instead).
 */
export function createPlainDownstream(baseUrls: readonly string[]): Downstream {
  if (baseUrls.length === 0) throw new Error("plain downstream needs at least one base URL");
  const http = axios.create({ httpAgent: keepAliveAgent(), validateStatus: () => true });
  const failed = failureCounter();
  let next = 0;
  return {
    async call() {
      const base = baseUrls[next++ % baseUrls.length] as string;
      try {
        const { status } = await http.get(`${base}/work`);
        if (status >= 500) failed.count({ response: { status } });
        return status;
      } catch (error) {
        failed.count(error);
        return 502;
      }
    },
    attempts: () => ({}),
    failures: () => failed.counts,
    close() {},
  };
}
