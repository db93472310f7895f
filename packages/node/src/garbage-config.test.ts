import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeAtomically } from "@outrigger/config";
import { afterEach, expect, it } from "vitest";
import type { OutriggerNodeError } from "./errors.js";
import { createOutrigger, type Outrigger } from "./outrigger.js";

const good = (maxAttempts: number) =>
  JSON.stringify({
    outrigger: {
      registry: { enabled: false },
      shutdown: { signals: [] },
      clients: { services: { inventory: { retry: { maxAttempts } } } },
    },
  });

let dir = "";
let og: Outrigger | undefined;
afterEach(async () => {
  await og?.close();
  rmSync(dir, { recursive: true, force: true });
});

it.each([
  ["garbage", (file: string) => writeAtomically(dirOf(file), { "default.json": "\u0000\u0001 not json {{{" })],
  ["an empty file", (file: string) => writeAtomically(dirOf(file), { "default.json": "" })],
  ["JSON null", (file: string) => writeAtomically(dirOf(file), { "default.json": "null" })],
  ["the file deleted", (file: string) => rmSync(file)],
])("config file replaced with %s: reported (onError, one log line, refused), the last good kept", async (_, spoil) => {
  dir = mkdtempSync(join(tmpdir(), "og-garbage-"));
  const file = join(dir, "default.json");
  writeFileSync(file, good(2));
  const warnings: string[] = [];
  og = await createOutrigger({
    service: "orders",
    port: 0,
    config: dir,
    logger: { warn: (line: string) => warnings.push(line) },
  });
  const reported: OutriggerNodeError[] = [];
  og.onError((error) => reported.push(error));
  spoil(file);
  await expect.poll(() => reported.length, { timeout: 5_000 }).toBe(1);
  expect(reported[0]?.code).toBe("OUTRIGGER_CONFIG_INVALID");
  expect(warnings).toHaveLength(1);
  const refused = (await og.metrics.getSingleMetric("outrigger_policy_updates_total")?.get())?.values.find(
    (v) => v.labels.outcome === "refused",
  );
  expect(refused?.value).toBe(1);
  expect(og.config().clients.services.inventory?.retry?.maxAttempts).toBe(2);
  // A good file after it applies again.
  writeAtomically(dir, { "default.json": good(3) });
  await expect.poll(() => og?.config().clients.services.inventory?.retry?.maxAttempts, { timeout: 5_000 }).toBe(3);
});

const dirOf = (file: string) => file.slice(0, file.lastIndexOf("/"));
