import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What one loopback server saw of a request. */
export interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** What a loopback registry answers: a status with an optional Location and body, or it answers by itself (null). */
export type Answer = { status: number; location?: string; body?: string } | null;

/** Loopback servers made by `redirectServer`, for `closeRedirectServers` after each test. */
const servers: Server[] = [];

/**
 * A loopback server (port 0) that reads each request whole, records it, then lets `answer` decide: a status, Location
 * and body, or `null` when `answer` wrote to (or holds) `res` itself. Returns its origin and what it saw.
 */
export async function redirectServer(
  answer: (req: IncomingMessage, seen: Seen[], res: ServerResponse) => Answer,
): Promise<{ origin: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const s = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body });
      const a = answer(req, seen, res);
      if (a === null) return;
      res.writeHead(a.status, a.location ? { location: a.location } : {});
      res.end(a.body ?? "");
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, seen, server: s };
}

/** Closes every server `redirectServer` made (their held connections too). */
export async function closeRedirectServers(): Promise<void> {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
}
