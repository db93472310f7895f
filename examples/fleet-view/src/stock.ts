// A stock instance: GET /items answers 200, until POST /control/fail makes it answer 503 (a failing instance, on cue).
import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node";

const og = await createOutrigger({ service: "stock", port: Number(process.env.PORT ?? 0) });
let failing = false;
const server = createServer(
  og.inbound.nodeHandler((request, response) => {
    if (request.method === "POST" && request.url === "/control/fail") failing = true;
    response.statusCode = failing ? 503 : 200;
    response.end(JSON.stringify({ from: og.port, failing }));
  }),
);
await og.listen(server);
console.log(JSON.stringify({ event: "listening", service: "stock", port: og.port }));
