import { type BrowserContext, chromium } from "playwright-core";

/** Debian's Chromium, headless, with a fresh profile in `profileDir` and nothing that phones home. */
export function launchChromium(profileDir: string): Promise<BrowserContext> {
  // A fresh profile directory per run (playwright takes it as the persistent context's user data dir).
  return chromium.launchPersistentContext(profileDir, {
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
