import axios from "axios";
import { request } from "undici";
import { type Downstream, failureCounter, keepAliveAgent, type Transport, undiciAgent } from "./downstream.js";

/**
 * No governance: round robin over a fixed list of base URLs, no retries, no timeouts. With the upstreams' URLs it is
 * the *direct* baseline (on axios, or on undici for the undici SDK variant); with one sidecar URL it is the client of
 * the HAProxy variants (HAProxy governs instead).
 */
export function createPlainDownstream(baseUrls: readonly string[], transport: Transport = "axios"): Downstream {
  if (baseUrls.length === 0) throw new Error("plain downstream needs at least one base URL");
  const failed = failureCounter();
  const send = transport === "undici" ? undiciSender() : axiosSender();
  let next = 0;
  return {
    async call() {
      const base = baseUrls[next++ % baseUrls.length] as string;
      try {
        const status = await send(`${base}/work`);
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

function axiosSender(): (url: string) => Promise<number> {
  const http = axios.create({ httpAgent: keepAliveAgent(), validateStatus: () => true });
  return async (url) => (await http.get(url)).status;
}

function undiciSender(): (url: string) => Promise<number> {
  const dispatcher = undiciAgent();
  return async (url) => {
    const response = await request(url, { dispatcher });
    await response.body.dump();
    return response.statusCode;
  };
}
