// `pnpm --filter @outrigger/loadbalancer bench:memory [requests] [axios|axios-http|undici|fetch]`: sends requests
// (default 1 000 000) through createLbAxios (its default transport; `axios-http`: the http adapter), the lb undici
// dispatcher's own request API (`undici`) or Node's global fetch through it (`fetch`) with a full policy (retry,
// breaker, bulkhead, per-try timeout, deadline) and ONE long-lived caller signal, to two loopback instances in a
// child process; measures the heap after a forced GC every tenth of the run and the abort listeners left on the
// caller's signal. Goal: heap flat within 2 MB after warm-up, 0 listeners.
// A benchmark, not a timed test: it prints the load average; the last line is one JSON object.
import { fork } from "node:child_process";
import { getEventListeners } from "node:events";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { FixedInstancer } from "@outrigger/discovery";
import { createLbAxios } from "../src/axios.js";
import { createBalancer } from "../src/balancer.js";
import { createLbDispatcher } from "../src/undici-dispatcher.js";
import { fullPolicy } from "./full-policy.js";

if (process.argv[2] === "server") {
  // Two instances answering 200 with a small JSON body, in their own process so their work is not on our heap.
  const ports: number[] = [];
  for (let i = 0; i < 2; i++) {
    const server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":1}'),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    ports.push((server.address() as { port: number }).port);
  }
  process.send?.(ports);
} else {
  const total = Number(process.argv[2] ?? 1_000_000);
  const concurrency = 32;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc (the bench:memory script does)");
  const child = fork(new URL(import.meta.url).pathname, ["server"], { execArgv: ["--import", "tsx"] });
  const ports = await new Promise<number[]>((resolve) => child.once("message", (m) => resolve(m as number[])));
  const balancer = createBalancer({
    instancer: new FixedInstancer(
      ports.map((port, i) => ({
        id: `i${i}`,
        service: "svc",
        host: "127.0.0.1",
        port,
        secure: false,
        status: "UP" as const,
        metadata: {},
      })),
    ),
  });
  const settings = { balancer: () => balancer, ...fullPolicy() };
  const caller = new AbortController();
  const mode = process.argv[3] ?? "axios";
  const dispatcher = mode === "undici" || mode === "fetch" ? createLbDispatcher(settings) : undefined;
  const http = createLbAxios({ ...settings, ...(mode === "axios-http" ? { transport: "http" as const } : {}) });
  const send =
    mode === "fetch"
      ? // No caller signal for fetch: Node 20's fetch adds listeners to it that only its FinalizationRegistry removes
        // (nodejs/undici#3157, fixed upstream by #5318), which is fetch's doing, not the dispatcher's.
        async () => (await fetch("http://svc/x", { dispatcher } as RequestInit)).text()
      : dispatcher
        ? async () =>
            (
              await dispatcher.request({ origin: "lb://svc", path: "/x", method: "GET", signal: caller.signal })
            ).body.text()
        : () => http.get("lb://svc/x", { signal: caller.signal });
  // The heap once garbage collection has settled. A GC only schedules FinalizationRegistry callbacks (Node 20's
  // fetch frees its per-request state in them); they run as a later task, and what they release goes at the next
  // GC. So: collect, let a task run, collect again, until the heap stops shrinking (at most 5 rounds). Two GCs in
  // a row (the method before) left one 1 000 000-request fetch run with a single sample 3 MB above the others.
  const heap = async (): Promise<number> => {
    let last = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      gc();
      const now = process.memoryUsage().heapUsed;
      if (now > last - 64 * 1024) return Math.min(now, last);
      last = now;
    }
    return last;
  };
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  const samples: Array<{ sent: number; heapMb: number; listeners: number }> = [];
  let sent = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  const started = performance.now();
  const worker = async (until: number) => {
    while (sent < until) {
      sent++;
      await send().catch(async (error: unknown) => {
        const code = String((error as { code?: unknown }).code ?? (error as Error).message);
        failures[code] = (failures[code] ?? 0) + 1;
        failed++;
        // As a real caller would: do not spin on a fast failure (an open breaker fails in microseconds, and on a
        // starved machine a few per-try timeouts in a row do open it).
        await new Promise((resolve) => setTimeout(resolve, 10));
      });
    }
  };
  for (let tenth = 1; tenth <= 10; tenth++) {
    const until = Math.round((total * tenth) / 10);
    await Promise.all(Array.from({ length: concurrency }, () => worker(until)));
    // undici's request API takes its listener off the caller's signal when the body stream closes, a tick after the
    // body was read: let those closes run before counting.
    await new Promise((resolve) => setImmediate(resolve));
    const sample = {
      sent,
      heapMb: (await heap()) / 2 ** 20,
      listeners: getEventListeners(caller.signal, "abort").length,
    };
    samples.push(sample);
    console.log(
      `${String(sample.sent).padStart(8)} requests  heap ${sample.heapMb.toFixed(2)} MB  listeners ${sample.listeners}`,
    );
  }
  const seconds = (performance.now() - started) / 1000;
  // The first tenth warms up the JIT, the agent's sockets and the policies' state; flatness is judged after it.
  const steady = samples.slice(1).map((s) => s.heapMb);
  const spreadMb = Math.max(...steady) - Math.min(...steady);
  const listeners = getEventListeners(caller.signal, "abort").length;
  console.log(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `${total} requests in ${seconds.toFixed(0)} s (${(total / seconds).toFixed(0)}/s), ${failed} failed ${JSON.stringify(failures)}; heap spread after warm-up ${spreadMb.toFixed(2)} MB (goal ≤ 2 MB: ${spreadMb <= 2 ? "met" : "missed"}); listeners left ${listeners} (goal 0)`,
  );
  console.log(
    JSON.stringify({ mode, total, seconds, failed, failures, samples, spreadMb, listeners, loadavg: loadavg() }),
  );
  await dispatcher?.close();
  child.kill();
}
