// Shared by the watch-report tests: a policy PUT, the registry's status view, an instancer that reports every
// revision it is handed, and a loopback front to the registry that sees each request and may rewrite answers' headers.
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { RegistryWatchInstancer } from "./registry-watch-instancer.js";

/** Things a test closes after it, last made first. */
export type Closers = (() => unknown)[];

/** PUTs a policy for "orders" with `retry.maxAttempts`. */
export async function putPolicy(registry: string, maxAttempts: number): Promise<void> {
  const answer = await fetch(`${registry}/outrigger/policy/services/orders`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ destination: { retry: { maxAttempts } } }),
  });
  expect(answer.status).toBe(200);
}

/** The registry's status view: every process's last report. */
export async function policyReports(registry: string): Promise<unknown[]> {
  return ((await (await fetch(`${registry}/outrigger/policy/reports`)).json()) as { reports: unknown[] }).reports;
}

/**
 * An instancer of "orders" that reports each new revision it is handed (ACK, or NACK with `nack`'s reason) as process
 * `name`; with `keyed`, `reportOnWatch(name)` (a key named on every watch), else `reportOnWatch()`.
 */
export function reportingInstancer(
  registryUrl: string,
  name: string,
  closers: Closers,
  options: { nack?: (revision: number) => string | undefined; keyed?: boolean; waitMs?: number } = {},
): RegistryWatchInstancer {
  const instancer = new RegistryWatchInstancer({ registryUrl, service: "orders", waitMs: options.waitMs ?? 5_000 });
  closers.push(() => instancer.close());
  if (options.keyed) instancer.reportOnWatch(name);
  else instancer.reportOnWatch();
  instancer.onPolicy(({ revision }) => {
    if (revision === 0) return;
    const reason = options.nack?.(revision);
    // A POST still reading its answer when the test closes the instancer is aborted: not this test's subject (an
    // unhandled rejection under load before).
    instancer
      .reportPolicy({
        process: name,
        revision,
        ...(reason === undefined ? { status: "ACK" as const } : { status: "NACK" as const, reason }),
      })
      .catch(() => {});
  });
  return instancer;
}

/**
 * A front on loopback that forwards every request to `registry`; `seen` gets each request (its headers and body)
 * first, and `answerHeaders` makes the headers of the answer it sends back from the request's and the registry's.
 * Resolves the front's `/eureka` URL.
 */
export async function registryFront(
  registry: string,
  closers: Closers,
  options: {
    seen?: (headers: IncomingHttpHeaders, body: Buffer) => void;
    answerHeaders?: (request: IncomingHttpHeaders, answer: IncomingHttpHeaders) => IncomingHttpHeaders;
  } = {},
): Promise<string> {
  const target = new URL(registry);
  const proxy = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      options.seen?.(incoming.headers, body);
      const forward = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          const headers = options.answerHeaders?.(incoming.headers, answer.headers) ?? answer.headers;
          outgoing.writeHead(answer.statusCode ?? 502, headers);
          answer.pipe(outgoing);
        },
      );
      forward.end(body);
    });
  });
  proxy.listen(0, "127.0.0.1");
  await once(proxy, "listening");
  closers.push(() => {
    proxy.closeAllConnections();
    proxy.close();
  });
  return `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/eureka`;
}
