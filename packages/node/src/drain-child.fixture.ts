// A service under og's drain, for drain-process.test.ts: each request answers after DELAY_MS (like orders calling
// inventory), so SIGTERM lands with requests in flight on kept-alive connections.
import { createServer } from "node:http";
import { createOutrigger } from "./outrigger.js";

const delayMs = Number(process.env.DELAY_MS ?? 20);
const og = await createOutrigger({
  service: "drain-child",
  port: 0,
  config: { outrigger: { registry: { enabled: false }, shutdown: { graceMs: 10_000 } } },
});
const server = createServer(
  og.inbound.nodeHandler((_request, response) => {
    setTimeout(() => response.end("ok"), delayMs);
  }),
);
await og.listen(server, "127.0.0.1");
console.log(JSON.stringify({ event: "listening", port: og.port }));
