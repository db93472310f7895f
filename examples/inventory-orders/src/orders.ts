// The orders service: GET /order reads lb://inventory/items. Governance: the marked lines (config: config/orders/).
import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node"; // governance 1

const og = await createOutrigger({ service: "orders", port: Number(process.env.PORT ?? 0) }); // governance 2
const server = createServer(
  og.inbound.nodeHandler(async (_request, response) => {
    // governance 3
    try {
      const { data } = await og.http.get("lb://inventory/items"); // governance 4: balancer, retries, timeouts, breaker
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ order: "ok", inventory: data }));
    } catch (error) {
      response.statusCode = 502;
      response.end(JSON.stringify({ error: (error as { code?: string }).code ?? String(error) }));
    }
  }),
);
await og.listen(server); // governance 5
console.log(JSON.stringify({ event: "listening", service: "orders", port: og.port, admin: og.adminUrl }));
