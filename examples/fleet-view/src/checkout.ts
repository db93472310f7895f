// The caller: GET /checkout reads lb://stock/items. Its fleet stream (per-destination figures every second) is served
// on og's admin port behind the registry's token, and advertised in its registration for the registry's /fleet page.
import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node";
import { createFleetStream } from "@outrigger/telemetry";

const og = await createOutrigger({
  service: "checkout",
  port: Number(process.env.PORT ?? 0),
  fleetStream: createFleetStream({ token: process.env.REGISTRY_TOKEN }),
});
const server = createServer(
  og.inbound.nodeHandler(async (_request, response) => {
    try {
      const answer = await og.fetch("lb://stock/items");
      response.statusCode = answer.status === 200 ? 200 : 502;
      response.end(await answer.text());
    } catch (error) {
      response.statusCode = 502;
      response.end(JSON.stringify({ error: (error as { code?: string }).code ?? "failed" }));
    }
  }),
);
await og.listen(server);
console.log(JSON.stringify({ event: "listening", service: "checkout", port: og.port, admin: og.adminUrl }));
