// An attempt span started with all its attributes (main's tracer) vs with the convention's four sampling-relevant
// ones and the rest set on the started span (src/call-tracer.ts, its own functions): the SDK copies what
// `startSpan` is given twice (`sanitizeAttributes`), so the second form should do less. Main-thread CPU (schedstat) per span, ended and
// exported to nowhere under the BatchSpanProcessor; 31 interleaved rounds of 100 000 spans, each variant's mean and
// the paired saving per round with its 95% t interval (@outrigger/bench-stats).
// Run: node --expose-gc --conditions=@outrigger/source --import tsx bench/attribute-split-micro.ts (under a minute).
import { type Attributes, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { formatInterval, loadAverageLine, meanInterval } from "@outrigger/bench-stats";
import { describeCall } from "@outrigger/core";
import type { AttemptMessage } from "@outrigger/loadbalancer";
import { samplingAttributes, setLaterAttributes } from "../src/call-tracer.js";
import { ATTR, fullUrl, methodAttribute } from "../src/semconv.js";
import { instance } from "./channel-calls.js";
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

/** Attempt `i` as the load balancer publishes it, on an instance with a zone. */
const attemptOf = (i: number, zone: string): AttemptMessage => ({
  call: { service: "svc", method: "GET", path: `/items/${i}`, context: describeCall(), startedAt: 0 },
  instance: { ...instance, zone },
  url: url(i),
  startedAt: 0,
  headers: {},
});

/** Main's form (src/call-tracer.ts at cf4a8a2, `attemptAttributes`): one object of all, given to `startSpan`. */
const allAttributes = (m: AttemptMessage, method: string): Attributes => {
  const attributes: Attributes = {
    [ATTR.method]: method,
    [ATTR.serverAddress]: m.instance.host,
    [ATTR.serverPort]: m.instance.port,
    [ATTR.urlFull]: fullUrl(m.url),
    [ATTR.service]: m.call.service,
    [ATTR.instanceId]: m.instance.id,
  };
  if (m.instance.zone !== undefined) attributes[ATTR.zone] = m.instance.zone;
  return attributes;
};

const variants: Record<string, (m: AttemptMessage) => void> = {
  "all at start": (m) => {
    const attributes = allAttributes(m, methodAttribute(m.call.method));
    tracer.startSpan("GET", { kind: SpanKind.CLIENT, attributes }, parent).end();
  },
  // This branch's tracer: its own two functions.
  "four at start, rest after": (m) => {
    const method = methodAttribute(m.call.method);
    const span = tracer.startSpan("GET", { kind: SpanKind.CLIENT, attributes: samplingAttributes(m, method) }, parent);
    setLaterAttributes(span, m, method, 0);
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
      run(attemptOf(i, "zone-a"));
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
