/** One named line of a chart. */
export interface Series {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

/** A line chart: title, axis labels, and how x is shown (`nines` turns percentiles into 50/90/99/99.9 ticks). */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly xScale?: "linear" | "nines";
  readonly yScale?: "linear" | "log";
}

/** A grouped bar chart: one group per category, one bar per series. */
export interface BarChart {
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>;
}

const W = 720;
const H = 400;
const PAD = { left: 70, right: 160, top: 40, bottom: 50 };
// Colour-blind-safe palette (Okabe–Ito).
const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

/** Escapes text for SVG. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Percentile → "nines" (50 → 0.3, 90 → 1, 99 → 2, 99.9 → 3); 100 is shown one step past the last finite point. */
export function nines(percentile: number): number {
  return percentile >= 100 ? Number.NaN : -Math.log10(1 - percentile / 100);
}

function fmt(v: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1).replace(/\.0$/, "");
  return v.toPrecision(2);
}

function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const step0 = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0) ?? step0;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function frame(title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function legend(names: readonly string[]): string[] {
  return names.flatMap((name, i) => {
    const y = PAD.top + 10 + i * 18;
    const x = W - PAD.right + 15;
    return [
      `<rect x="${x}" y="${y - 9}" width="12" height="12" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${x + 18}" y="${y + 1}">${escapeXml(name)}</text>`,
    ];
  });
}

function axes(xLabel: string, yLabel: string): string[] {
  const bottom = H - PAD.bottom;
  return [
    `<line x1="${PAD.left}" y1="${bottom}" x2="${W - PAD.right}" y2="${bottom}" stroke="black"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${bottom}" stroke="black"/>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${(PAD.top + bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  ];
}

/** Renders a line chart as a standalone SVG document. */
export function renderLineChart(chart: LineChart): string {
  const tx = chart.xScale === "nines" ? nines : (x: number) => x;
  const ty = chart.yScale === "log" ? (y: number) => Math.log10(Math.max(y, 1e-3)) : (y: number) => y;
  const pts = chart.series.map((s) =>
    s.points.map(([x, y]) => [tx(x), ty(y)] as const).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
  );
  const all = pts.flat();
  if (all.length === 0)
    return frame(chart.title, [`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no data</text>`]);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [chart.yScale === "log" ? Math.min(...ys) : Math.min(0, ...ys), Math.max(...ys)];
  const sx = (x: number): number => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right);
  const sy = (y: number): number => H - PAD.bottom - ((y - y0) / (y1 - y0 || 1)) * (H - PAD.top - PAD.bottom);
  const body = axes(chart.xLabel, chart.yLabel);
  const xTicks =
    chart.xScale === "nines"
      ? [50, 90, 99, 99.9, 99.99].map((p) => [nines(p), p] as const)
      : niceTicks(x0, x1).map((t) => [t, t] as const);
  for (const [t, label] of xTicks.filter(([t]) => t >= x0 - 1e-9 && t <= x1 + 1e-9)) {
    body.push(`<text x="${sx(t)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${fmt(label)}</text>`);
  }
  const yTicks =
    chart.yScale === "log"
      ? niceTicks(Math.floor(y0), Math.ceil(y1), Math.max(1, Math.ceil(y1) - Math.floor(y0))).map(
          (t) => [t, 10 ** t] as const,
        )
      : niceTicks(y0, y1).map((t) => [t, t] as const);
  for (const [t, label] of yTicks.filter(([t]) => t >= y0 - 1e-9 && t <= y1 + 1e-9)) {
    body.push(`<line x1="${PAD.left}" y1="${sy(t)}" x2="${W - PAD.right}" y2="${sy(t)}" stroke="#ddd"/>`);
    body.push(`<text x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(label)}</text>`);
  }
  pts.forEach((p, i) => {
    const d = p.map(([x, y], j) => `${j === 0 ? "M" : "L"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ");
    body.push(`<path d="${d}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2"/>`);
  });
  return frame(chart.title, [...body, ...legend(chart.series.map((s) => s.name))]);
}

/** Renders a grouped bar chart as a standalone SVG document. */
export function renderBarChart(chart: BarChart): string {
  const values = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  const y1 = Math.max(0, ...values) || 1;
  const sy = (y: number): number => H - PAD.bottom - (y / y1) * (H - PAD.top - PAD.bottom);
  const body = axes("", chart.yLabel);
  for (const t of niceTicks(0, y1)) {
    body.push(`<line x1="${PAD.left}" y1="${sy(t)}" x2="${W - PAD.right}" y2="${sy(t)}" stroke="#ddd"/>`);
    body.push(`<text x="${PAD.left - 6}" y="${sy(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  const groupW = (W - PAD.left - PAD.right) / Math.max(1, chart.categories.length);
  const barW = (groupW * 0.8) / Math.max(1, chart.series.length);
  chart.categories.forEach((category, g) => {
    const gx = PAD.left + g * groupW + groupW * 0.1;
    body.push(
      `<text x="${gx + groupW * 0.4}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
    chart.series.forEach((s, i) => {
      const v = s.values[g] ?? Number.NaN;
      if (!Number.isFinite(v)) return;
      const x = gx + i * barW;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(sy(0) - sy(v)).toFixed(1)}" fill="${COLOURS[i % COLOURS.length]}"><title>${escapeXml(`${s.name}: ${fmt(v)}`)}</title></rect>`,
      );
    });
  });
  return frame(chart.title, [...body, ...legend(chart.series.map((s) => s.name))]);
}
