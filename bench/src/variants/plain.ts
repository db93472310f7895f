import axios from "axios";
import { request } from "undici";
import {
  answerOf,
  type CallAnswer,
  type Downstream,
  failureCounter,
  keepAliveAgent,
  type Transport,
  undiciAgent,
} from "./downstream.js";

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
        const answer = await send(`${base}/work`);
        if (answer.status >= 500) failed.count({ response: { status: answer.status } });
        return answer;
      } catch (error) {
        failed.count(error);
        return { status: 502 };
      }
    },
    attempts: () => ({}),
    failures: () => failed.counts,
    close() {},
  };
}

function axiosSender(): (url: string) => Promise<CallAnswer> {
  const http = axios.create({ httpAgent: keepAliveAgent(), validateStatus: () => true });
  return async (url) => {
    const response = await http.get(url);
    return answerOf(response.status, response.headers as Record<string, string | undefined>);
  };
}

function undiciSender(): (url: string) => Promise<CallAnswer> {
  const dispatcher = undiciAgent();
  return async (url) => {
    const response = await request(url, { dispatcher });
    await response.body.dump();
    return answerOf(response.statusCode, response.headers);
  };
}
