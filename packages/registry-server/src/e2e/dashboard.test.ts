import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../server.js";
import { registration } from "../test-fixtures.js";
import { launchChromium } from "./chromium.js";

let server: RunningServer;
let browser: BrowserContext;
const profile = mkdtempSync(join(tmpdir(), "outrigger-dashboard-"));

beforeAll(async () => {
  server = await startServer({ port: 0 });
  browser = await launchChromium(profile);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(profile, { recursive: true, force: true });
});

async function register(id: string): Promise<void> {
  const res = await fetch(`${server.url}/eureka/apps/WEB`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(registration(id, { app: "WEB", metadata: { zone: "eu-west-1a", version: "1.2.3" } })),
  });
  expect(res.status).toBe(204);
}

describe("dashboard (headless Chromium)", () => {
  it("shows instances, updates live without reload, and shows a status override", async () => {
    await register("web-1");
    const page = await browser.newPage();
    let loads = 0;
    page.on("load", () => {
      loads += 1;
    });
    await page.goto(`${server.url}/`);
    const row = (id: string) => page.locator(`tr[data-instance="${id}"]`);
    await expect.poll(() => row("web-1").count(), { timeout: 5_000 }).toBe(1);
    expect(await row("web-1").textContent()).toContain("eu-west-1a");
    expect(await page.locator("#sp").textContent()).toMatch(/Self-preservation: ACTIVE .* warming up/);

    // Within 2 s, without a reload (the page listens to server-sent events).
    await register("web-2");
    await row("web-2").waitFor({ timeout: 2_000 });

    await fetch(`${server.url}/eureka/apps/WEB/web-2/status?value=OUT_OF_SERVICE`, { method: "PUT" });
    await page.locator('tr[data-instance="web-2"] td.OUT_OF_SERVICE').waitFor({ timeout: 2_000 });
    expect(await page.locator("#events").textContent()).toContain("UPDATED OUT_OF_SERVICE");
    expect(loads).toBe(1);
    await page.close();
  });
});
