import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BenchProcess } from "./child.js";
import { parseConnects, readConnects, tracedCommand } from "./connect-trace.js";

describe("connect log (strace)", () => {
  it("counts connects to one port from a time on, IPv4 and IPv6, ignoring other ports and calls", () => {
    const log = [
      '101  1795991705.100000 connect(19, {sa_family=AF_INET, sin_port=htons(4000), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
      '101  1795991705.200500 connect(20, {sa_family=AF_INET, sin_port=htons(4001), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
      '102  1795991705.300250 connect(21, {sa_family=AF_INET6, sin6_port=htons(4000), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 ECONNREFUSED (Connection refused)',
      '103  1795991705.400000 connect(22, {sa_family=AF_UNIX, sun_path="/tmp/x.sock"}, 110) = 0',
      "",
    ].join("\n");
    expect(parseConnects(log, 4000, 0)).toEqual({ attempts: 2, lastAt: 1795991705300.25, logged: 3 });
    expect(parseConnects(log, 4000, 1795991705150)).toEqual({ attempts: 1, lastAt: 1795991705300.25, logged: 3 });
    expect(parseConnects(log, 4002, 0).attempts).toBe(0);
    expect(parseConnects(log, 4002, 0).lastAt).toBeNaN();
  });

  it("logs every connect a traced process makes to a dead port; the process gets the signal, not strace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-connects-"));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const logFile = join(dir, "connects.log");
    const script = `const net = require("node:net");
      let n = 0;
      const next = () => net.connect(${port}, "127.0.0.1").on("error", () => { if (++n < 3) next(); else console.log('{"event":"done"}'); });
      next();
      setInterval(() => {}, 1000);`;
    const [command, args] = tracedCommand(logFile, process.execPath, ["-e", script]);
    const since = Date.now() - 1;
    const traced = new BenchProcess("traced", command, args, {}, true);
    try {
      await traced.waitFor((m) => m.event === "done", 20_000);
      expect(traced.pid).not.toBe(-1);
      await traced.kill("SIGTERM");
      const seen = readConnects(logFile, port, since);
      expect(seen.attempts).toBe(3);
      expect(seen.lastAt).toBeGreaterThanOrEqual(since);
    } finally {
      await traced.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
