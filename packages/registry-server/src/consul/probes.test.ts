import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { CHECK_OUTPUT_MAX_BYTES } from "./check-limits.js";
import { type HttpProbe, probeHttp, probeTcp } from "./probes.js";

/** A plain GET probe of `url` with Consul's defaults. */
const get = (url: string, timeoutMs: number): HttpProbe => ({
  url,
  method: "GET",
  headers: {},
  timeoutMs,
  body: "",
  disableRedirects: false,
  tlsSkipVerify: false,
  tlsServerName: undefined,
  outputMaxBytes: CHECK_OUTPUT_MAX_BYTES,
});

const listen = (server: Server): Promise<string> =>
  new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as { port: number }).port}/`)),
  );

describe("probes against hostile targets (real loopback servers)", () => {
  let server: Server | undefined;
  afterEach(async () => {
    const open = server;
    server = undefined;
    if (!open) return;
    open.closeAllConnections();
    await new Promise((resolve) => open.close(resolve));
  });

  it("reads at most 4 KiB of an endless body and keeps memory flat (issue 15: a 1 GB body drove RSS to 2.1 GB)", async () => {
    let sent = 0;
    const chunk = Buffer.alloc(64 * 1024, "z");
    server = createServer((_req, res) => {
      res.writeHead(200);
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const url = await listen(server);
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20; i += 1) {
      const result = await probeHttp(get(url, 5_000));
      expect(result.status).toBe("passing");
      expect(result.output.length).toBeLessThan(4_096 + 200);
    }
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    // The server could push far more than 4 KiB into socket buffers, but not an endless stream.
    expect(sent).toBeLessThan(20 * 16 * 1024 * 1024);
  });

  it("times the whole probe out, body included, when the target sends headers and then trickles", async () => {
    server = createServer((_req, res) => {
      res.writeHead(200);
      res.write("a"); // then nothing: a body that never ends
    });
    const url = await listen(server);
    const started = performance.now();
    const result = await probeHttp(get(url, 300));
    expect(result.status).toBe("critical");
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("reports a TCP target it cannot even dial as critical instead of throwing", async () => {
    const result = await probeTcp("127.0.0.1:70000", 1_000);
    expect(result).toMatchObject({ status: "critical" });
  });
});
