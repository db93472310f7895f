import { expect, it } from "vitest";
import { promLabel } from "./prometheus-histogram.js";
import { MAX_SERIES, SeriesByLabels } from "./series-by-labels.js";

it("keeps at most MAX_SERIES label sets; later ones share one overflow series (OTel SDK's cardinality rule)", () => {
  const table = new SeriesByLabels((labels) => ({ labels, value: 0 }), promLabel);
  for (let port = 0; port < MAX_SERIES + 500; port++) table.of({ "server.port": port }).value++;
  const all = [...table.all()];
  expect(all).toHaveLength(MAX_SERIES + 1);
  expect(all.at(-1)).toEqual({ labels: { otel_metric_overflow: "true" }, value: 500 });
  // A label set seen before the cap keeps its own series.
  table.of({ "server.port": 7 }).value++;
  expect(all[7]).toEqual({ labels: { server_port: 7 }, value: 2 });
});

it("tells label sets apart by name as well as value", () => {
  const table = new SeriesByLabels((labels) => ({ labels, value: 0 }));
  table.of({ "http.response.status_code": 503 }).value++;
  table.of({ "error.type": "503" }).value++;
  expect([...table.all()].map((s) => s.value)).toEqual([1, 1]);
});
