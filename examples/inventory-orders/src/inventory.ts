// The inventory service: answers GET /items. Governance: the three marked lines (config: config/inventory/).
import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node"; // governance 1

const og = await createOutrigger({ service: "inventory", port: Number(process.env.PORT ?? 0) }); // governance 2
const server = createServer(
  og.inbound.nodeHandler((_request, response) => {
    // governance 3: limits, drain
    setTimeout(() => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ from: og.port, items: [{ sku: "A-1", stock: 7 }] }));
    }, 5); // a little work, so a drain has requests in flight to wait for
  }),
);
await og.listen(server); // governance 4: listen, register, drain on SIGTERM
console.log(JSON.stringify({ event: "listening", service: "inventory", port: og.port, admin: og.adminUrl }));
