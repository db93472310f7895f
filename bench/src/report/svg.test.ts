import { describe, expect, it } from "vitest";
import { escapeXml, nines, renderBarChart, renderLineChart } from "./svg.js";

describe("SVG charts", () => {
  it("maps percentiles to nines", () => {
    expect(nines(90)).toBeCloseTo(1);
    expect(nines(99.9)).toBeCloseTo(3);
    expect(nines(100)).toBeNaN();
  });

  it("draws one path per series with a legend, escaping names", () => {
    const svg = renderLineChart({
      title: "CDF <p99>",
      xLabel: "percentile",
      yLabel: "ms",
      xScale: "nines",
      series: [
        {
          name: "sdk",
          points: [
            [50, 1],
            [90, 2],
            [99, 4],
            [100, 9],
          ],
        },
        {
          name: "a&b",
          points: [
            [50, 2],
            [99.9, 8],
          ],
        },
      ],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain("CDF &#60;p99&#62;");
    expect(svg).toContain("a&#38;b");
    expect(svg).toContain(">99.9<");
    expect(svg).not.toContain("NaN");
  });

  it("draws a bar per finite value and says so when there is no data", () => {
    const svg = renderBarChart({
      title: "CPU",
      yLabel: "ms",
      categories: ["100/s", "200/s"],
      series: [
        { name: "sdk", values: [0.1, 0.2] },
        { name: "haproxy", values: [0.3, Number.NaN] },
      ],
    });
    expect(svg.match(/<rect x="\d/g)).toHaveLength(3 + 2); // 3 bars + 2 legend swatches
    expect(renderLineChart({ title: "t", xLabel: "x", yLabel: "y", series: [] })).toContain("no data");
    expect(escapeXml(`"'`)).toBe("&#34;&#39;");
  });
});
