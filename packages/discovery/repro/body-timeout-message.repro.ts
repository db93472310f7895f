// Reproduction, not part of the suite (newcomer, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/discovery/repro/body-timeout-message.repro.ts
// A registry answer whose body drips (a byte every 20 ms) is cut by the request's timeout — as it should be — but
// the error says the registry "dropped the connection mid-answer: check that it runs" (registry-http.ts `readBody`,
// the catch around `readCapped`): every failure of the body read that is not BodyTooLarge gets that message, also
// the request's own timeout (cause: TimeoutError "The registry did not answer in time") and the caller's abort
// (close() of a watcher; cause: AbortError). An operator reading the log looks for a crashed registry that is up.
// Expected: the timeout says the registry did not finish its answer within `timeoutMs`; the caller's abort is not a
// registry fault at all. Exit code 1 while the timeout's message blames a dropped connection.
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { registryRequest } from "../src/registry-http.js";

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  const drip = setInterval(() => res.write(" "), 20);
  res.on("close", () => clearInterval(drip));
}).listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/eureka/apps`;

const timedOut = (await registryRequest(url, { method: "GET", timeoutMs: 300 }).catch((e: unknown) => e)) as Error & {
  code?: string;
};
console.log(`request timeout mid-body: ${timedOut.code} — ${timedOut.message} (cause: ${String(timedOut.cause)})`);
const stop = new AbortController();
setTimeout(() => stop.abort(), 100);
const aborted = (await registryRequest(url, { method: "GET", timeoutMs: 5_000, signal: stop.signal }).catch(
  (e: unknown) => e,
)) as Error & { code?: string };
console.log(`caller's abort mid-body: ${aborted.code} — ${aborted.message} (cause: ${String(aborted.cause)})`);
server.closeAllConnections();
server.close();
process.exitCode = /dropped the connection/.test(timedOut.message) ? 1 : 0;
