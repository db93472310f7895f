// Item 3 of issue 18, end to end: a registry, two stock instances and checkout under steady load, all real
// processes; the registry's /fleet page (headless Debian Chromium) shows checkout → stock live, and when one stock
// instance starts answering 503 the page shows the error rate rise and the breaker open within 2 s.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startRegistry, startService, stopAll } from "./fleet-processes.js";

const TOKEN = "fleet-demo-token";
const profile = mkdtempSync(join(tmpdir(), "outrigger-fleet-"));
let browser: BrowserContext;
let registryUrl: string;
let running = true;
const loops: Promise<void>[] = [];

beforeAll(async () => {
  registryUrl = await startRegistry(TOKEN);
  const stocks = await Promise.all([1, 2].map(() => startService("stock", registryUrl, TOKEN)));
  const checkout = await startService("checkout", registryUrl, TOKEN);
  stockPorts.push(...stocks.map((s) => Number(s.port)));
  // Steady load: four loops, each calling checkout again as soon as it answered.
  for (let i = 0; i < 4; i++) {
    loops.push(
      (async () => {
        while (running) await fetch(`http://127.0.0.1:${checkout.port}/checkout`).then((r) => r.text(), String);
      })(),
    );
  }
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
});
const stockPorts: number[] = [];

afterAll(async () => {
  running = false;
  await Promise.all(loops);
  await browser?.close();
  await stopAll();
  rmSync(profile, { recursive: true, force: true });
});

/**
 * Resolves once the tile (`{ breaker, errorPct, rps }` as it shows them) satisfies `ready`, a function given as text
 * (checked in the page every 20 ms; the page renders twice a second), or
 * fails after `timeoutMs` with what the page shows (processes and their errors), not a bare timeout.
 */
async function untilTile(page: Page, ready: string, timeoutMs: number): Promise<void> {
  const check = `(() => { const el = document.querySelector('[data-edge="CHECKOUT→stock"]'); if (!el) return false;
    const tile = { breaker: el.dataset.breaker, errorPct: Number(el.dataset.errorPct), rps: el.querySelector(".rps").textContent };
    return (${ready})(tile); })()`;
  await page.waitForFunction(check, undefined, { timeout: timeoutMs, polling: 20 }).catch(async (error) => {
    throw new Error(`${error}\n${await page.locator("body").textContent()}`);
  });
}

it("shows checkout → stock live; one instance failing: error rate up and breaker open within 2 s", async () => {
  const page = await browser.newPage();
  await page.goto(`${registryUrl}/fleet?token=${TOKEN}`);
  // The registry discovers checkout from its registration metadata and subscribes (deadline: processes starting).
  await untilTile(page, `(t) => t.breaker === "closed" && t.errorPct === 0 && /[1-9]/.test(t.rps)`, 20_000);
  const tile = page.locator('[data-edge="CHECKOUT→stock"]');
  expect(await tile.locator(".breaker").textContent()).toBe("CLOSED");

  const failed = await fetch(`http://127.0.0.1:${stockPorts[0]}/control/fail`, { method: "POST" });
  expect(await failed.json()).toMatchObject({ failing: true });
  const since = performance.now();
  await untilTile(page, `(t) => t.breaker === "open" && t.errorPct >= 5`, 2_000);
  const tookMs = Math.round(performance.now() - since);
  console.log(JSON.stringify({ event: "fleet-page", breakerOpenShownAfterMs: tookMs }));
  expect(await tile.locator(".breaker").textContent()).toBe("OPEN");
  if (process.env.FLEET_SCREENSHOT)
    await page.screenshot({ path: process.env.FLEET_SCREENSHOT, clip: { x: 0, y: 0, width: 640, height: 320 } });
  await page.close();
});
