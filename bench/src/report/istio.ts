import type { Interval, Spread } from "@outrigger/bench-stats";
import type { CpuSummary } from "./cpu-summary.js";
import type { RateSummary } from "./steady-summary.js";
import { ISTIO } from "./summarise.js";
import { formatSpread, table } from "./table.js";

type IstioFigure = "cpu" | "rss" | "p99";

const ISTIO_TEXT: Record<IstioFigure, string> = {
  cpu: "0.20–0.5",
  rss: "40–60",
  p99: "0.3–2.9 (two hops + mTLS)",
};
const ISTIO_RANGE: Record<IstioFigure, readonly [number, number]> = {
  cpu: ISTIO.cpuMsPerReq,
  rss: ISTIO.rssMb,
  p99: ISTIO.addedP99Ms,
};

/** One row of the Istio table: our figure (median and spread) and its ratio to Istio's range. */
function istioRow(
  rate: string,
  label: string,
  figure: IstioFigure,
  ours: Spread | undefined,
  digits: number,
): string[] {
  const [lo, hi] = ISTIO_RANGE[figure];
  const v = ours?.median ?? Number.NaN;
  const ratioText = Number.isFinite(v) ? `${(v / hi).toFixed(2)}–${(v / lo).toFixed(2)}×` : "n/a";
  return [`${rate}/s`, label, formatSpread(ours, digits), ISTIO_TEXT[figure], ratioText];
}

/** The report's section that sets our figures beside Istio's published ones, with how the setups differ. */
export function istioSection(steady: Record<string, RateSummary>, cpu: Record<string, CpuSummary>): string[] {
  const rows: string[][] = [];
  const asSpread = (i: Interval | undefined): Spread | undefined =>
    i && { median: i.estimate, min: i.estimate, max: i.estimate, n: 1 };
  for (const v of ["haproxy-http", "haproxy-http-undici", "sdk", "sdk-undici"]) {
    const c = cpu[v];
    if (!c) continue;
    rows.push(
      istioRow("closed loop", `${v} governance CPU (ms/req, mean)`, "cpu", asSpread(c.governanceCpuMsPerReq), 3),
    );
  }
  for (const [rate, summary] of Object.entries(steady)) {
    const s = summary.byVariant;
    const hap = s["haproxy-http"];
    const sdk = s.sdk;
    const hapUndici = s["haproxy-http-undici"];
    const sdkUndici = s["sdk-undici"];
    const sdkRss = (sdk?.clientRssMb.median ?? Number.NaN) - (s.direct?.clientRssMb.median ?? Number.NaN);
    rows.push(
      istioRow(rate, "HAProxy + sync agent CPU (vCPU per 1 000 rps = ms/req)", "cpu", hap?.sidecarCpuMsPerReq, 3),
      istioRow(rate, "HAProxy process alone CPU (ms/req)", "cpu", hap?.proxyCpuMsPerReq, 3),
      istioRow(rate, "HAProxy + Node sync agent RSS (MB)", "rss", hap?.sidecarRssMb, 1),
      istioRow(rate, "HAProxy process alone RSS (MB)", "rss", hap?.proxyRssMb, 1),
      istioRow(
        rate,
        "SDK extra client RSS over direct (MB)",
        "rss",
        { median: sdkRss, min: sdkRss, max: sdkRss, n: 1 },
        1,
      ),
      istioRow(rate, "HAProxy added p99, one hop (ms)", "p99", asSpread(hap?.addedMs.p99), 2),
      istioRow(rate, "SDK (axios, createLbAxios as shipped) added p99 (ms)", "p99", asSpread(sdk?.addedMs.p99), 2),
      istioRow(rate, "HAProxy, undici client, added p99, one hop (ms)", "p99", asSpread(hapUndici?.addedMs.p99), 2),
      istioRow(rate, "SDK (undici) added p99 (ms)", "p99", asSpread(sdkUndici?.addedMs.p99), 2),
    );
  }
  return [
    "## Against published mesh figures (Istio)",
    "",
    "Istio publishes, for its Envoy sidecar: 0.20–0.5 vCPU and 40–60 MB per sidecar per 1 000 requests/s, and +0.3 to +2.9 ms at p99 per request path with a client and a server sidecar and mutual TLS. The ratio column is ours ÷ Istio's (low–high of their range).",
    "",
    "How the setups differ: Istio's path has **two** proxies (client and server side) and **mTLS**, Envoy with 2 worker threads, telemetry on, on dedicated cloud VMs at 1 000 rps with 1 KB payloads; ours is **one** HAProxy hop, plaintext HTTP/1.1 on loopback, no telemetry, a tiny payload, on a shared 2-core machine. So the HAProxy figures should sit *below* Istio's for latency (one hop, no TLS), and CPU figures from a small shared machine are noisier than theirs. Treat the ratios as orders of magnitude, not as a ranking of Envoy against HAProxy.",
    "",
    table(["rate", "figure", "ours", "Istio", "ours ÷ Istio"], rows),
    "",
  ];
}
