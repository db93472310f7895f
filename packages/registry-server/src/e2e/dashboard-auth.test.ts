import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../server.js";
import { registration } from "../test-fixtures.js";
import { launchChromium } from "./chromium.js";

const WRITE = "dash-write-5e0f";
const READ = "dash-read-81c2";

let server: RunningServer;
const contexts: BrowserContext[] = [];
const profiles: string[] = [];

async function browser(credentials?: { username: string; password: string }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "outrigger-dashboard-auth-"));
  profiles.push(profile);
  const context = await launchChromium(profile, credentials ? { httpCredentials: credentials } : {});
  contexts.push(context);
  return context;
}

beforeAll(async () => {
  server = await startServer({ port: 0, token: WRITE, readToken: READ });
  const res = await fetch(`${server.url}/eureka/apps/WEB`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${WRITE}` },
    body: JSON.stringify(registration("web-1", { app: "WEB" })),
  });
  expect(res.status).toBe(204);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await server?.close();
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
});

// The dashboard and its event stream are read routes: a browser gets in the ways a person would.
describe("dashboard behind a read token (headless Chromium)", () => {
  it("asks a browser without credentials for them (401 with a Basic challenge first)", async () => {
    // Headless Chromium cannot show the prompt; the browser context's own request client shows the answer.
    const response = await (await browser()).request.get(`${server.url}/`);
    expect(response.status()).toBe(401);
    expect(response.headersArray().find((h) => h.name.toLowerCase() === "www-authenticate")?.value).toMatch(/^Basic /);
    expect(await response.text()).not.toContain("web-1");
  });

  it("goes live with the read token typed at the Basic prompt (the event stream gets it too)", async () => {
    const page = await (await browser({ username: "ops", password: READ })).newPage();
    await page.goto(`${server.url}/`);
    await page.locator('tr[data-instance="web-1"]').waitFor({ timeout: 5_000 });
    await expect.poll(() => page.locator("#conn").textContent(), { timeout: 5_000 }).toBe("live");
  });

  it("goes live with ?token= in the page's URL (passed on to its event stream)", async () => {
    const page = await (await browser()).newPage();
    await page.goto(`${server.url}/?token=${READ}`);
    await page.locator('tr[data-instance="web-1"]').waitFor({ timeout: 5_000 });
    await expect.poll(() => page.locator("#conn").textContent(), { timeout: 5_000 }).toBe("live");
  });
});
