import { createServer, request as httpRequest, type IncomingMessage } from "node:http";

/**
 * A loopback HTTP front to a registry on `target`: a request `refuse` picks is answered 403 with no body, as a stock
 * Eureka server refuses (a delta under `eureka.disableDelta`, any read while it warms up); the rest is forwarded.
 */
export async function refusingFront(target: number, refuse: (req: IncomingMessage) => boolean) {
  const server = createServer((req, res) => {
    if (refuse(req)) {
      res.writeHead(403).end();
      return;
    }
    const upstream = httpRequest(
      { host: "127.0.0.1", port: target, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
