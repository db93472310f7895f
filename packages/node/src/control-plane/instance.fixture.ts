// An instance process of the control-plane tests: createOutrigger as service "backend", registered with the
// metadata `version` (the subsets select on it), answering every request with its version and id as JSON. It keeps
// its own record of the requests it received, so a test counts mirrored copies from the upstream's side; a
// `?delayMs=` query holds the answer that long (to keep requests in flight). JSON lines: `ready` once registered,
// `received` for each `{"id"}` command on stdin. Args: registry URL (…/eureka), version, id.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { createOutrigger } from "../outrigger.js";

const [registryUrl = "", version = "", id = ""] = process.argv.slice(2);
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
const og = await createOutrigger({
  service: "backend",
  port: 0,
  config: {
    outrigger: {
      registry: { url: registryUrl, renewIntervalMs: 1_000 },
      instance: { host: "127.0.0.1", metadata: { version } },
      shutdown: { graceMs: 1_000 },
    },
  },
  logger: { warn: (message: string) => process.stderr.write(`instance ${id}: ${message}\n`) },
});
let received = 0;
const server = createServer((request, response) => {
  received += 1;
  const delayMs = Number(new URL(request.url ?? "/", "http://x").searchParams.get("delayMs") ?? 0);
  const answer = () => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ version, id }));
  };
  if (delayMs > 0) setTimeout(answer, delayMs);
  else answer();
});
await og.listen(server, "127.0.0.1");
createInterface({ input: process.stdin }).on("line", (line) => {
  say({ event: "received", id: (JSON.parse(line) as { id: number }).id, received });
});
say({ event: "ready", id, version, port: og.port });
