// An attempt span started with all its attributes vs with the convention's four sampling-relevant ones and the
// rest set on the started span (src/call-tracer.ts): the SDK copies what `startSpan` is given twice
// (`sanitizeAttributes`), so the second form should do less. Main-thread CPU (schedstat) per span, ended and
// exported to nowhere under the BatchSpanProcessor; 31 interleaved rounds of 100 000 spans, each variant's mean and
// the paired saving per round with its 95% t interval (@outrigger/bench-stats).
// Run: node --expose-gc --conditions=@outrigger/source --import tsx bench/attribute-split-micro.ts (under a minute).
import { type Attributes, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import { mainThreadNs } from "./thread-cpu.js";

const N = 100_000;
const ROUNDS = 31;
const exporter = {
  export: (_s: unknown, done: (r: { code: 0 }) => void) => done({ code: 0 }),
  shutdown: async () => {},
};
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
const tracer = provider.getTracer("micro");
const parent = trace.setSpan(ROOT_CONTEXT, tracer.startSpan("call"));
const url = (i: number) => `http://127.0.0.1:8080/items/${i}`;

/** Each variant builds its attributes as that version of src/call-tracer.ts does (main's: one object of all). */
const variants: Record<string, (i: number, zone: string) => void> = {
  "all at start": (i, zone) => {
    const attributes: Attributes = {
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": 8080,
      "url.full": url(i),
      "outrigger.service": "svc",
      "outrigger.instance.id": "svc-1",
    };
    attributes["outrigger.instance.zone"] = zone;
    tracer.startSpan("GET", { kind: SpanKind.CLIENT, attributes }, parent).end();
  },
  "four at start, rest after": (i, zone) => {
    // The four a sampler is given (http-spans.md); the rest is set on the started span.
    const sampling: Attributes = {
      "http.request.method": "GET",
      "server.address": "127.0.0.1",
      "server.port": 8080,
      "url.full": url(i),
    };
    const span = tracer.startSpan("GET", { kind: SpanKind.CLIENT, attributes: sampling }, parent);
    span.setAttribute("outrigger.service", "svc");
    span.setAttribute("outrigger.instance.id", "svc-1");
    span.setAttribute("outrigger.instance.zone", zone);
    span.end();
  },
};

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const results: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let r = 0; r < ROUNDS + 1; r++) {
  const order = r % 2 ? Object.entries(variants).reverse() : Object.entries(variants);
  for (const [name, run] of order) {
    gc();
    const before = mainThreadNs();
    for (let i = 0; i < N; i++) {
      run(i, "zone-a");
      if (i % 32 === 31) await undefined;
    }
    await provider.forceFlush();
    if (r > 0) results[name]?.push((mainThreadNs() - before) / N);
  }
}
const split = results["four at start, rest after"] as number[];
const all = results["all at start"] as number[];
console.log(loadAverageLine());
for (const [name, xs] of Object.entries(results))
  console.log(`${name}: ${formatInterval(meanInterval(xs), 0)} ns per span`);
const saved = meanInterval(split.map((x, i) => (all[i] as number) - x));
console.log(`saved by the split, paired by round: ${formatInterval(saved, 0)} ns per span`);
await provider.shutdown();
