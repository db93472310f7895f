import axios from "axios";
import { type Downstream, keepAliveAgent } from "./downstream.js";

/**
 * No governance: round robin over a fixed list of base URLs, no retries, no timeouts. With the upstreams' URLs it is
 * the *direct* baseline; with one sidecar URL it is the client of the HAProxy variants (HAProxy governs instead).
 */
export function createPlainDownstream(baseUrls: readonly string[]): Downstream {
  if (baseUrls.length === 0) throw new Error("plain downstream needs at least one base URL");
  const http = axios.create({ httpAgent: keepAliveAgent(), validateStatus: () => true });
  let next = 0;
  return {
    async call() {
      const base = baseUrls[next++ % baseUrls.length] as string;
      try {
        return (await http.get(`${base}/work`)).status;
      } catch {
        return 502;
      }
    },
    attempts: () => ({}),
    close() {},
  };
}
