import { type BrowserContext, type BrowserContextOptions, chromium } from "playwright-core";

/**
 * Debian's Chromium, headless, with a fresh profile in `profileDir` and nothing that phones home. `options` adds
 * context settings, e.g. `httpCredentials` to answer a Basic challenge as a user would.
 */
export function launchChromium(
  profileDir: string,
  options: Pick<BrowserContextOptions, "httpCredentials"> = {},
): Promise<BrowserContext> {
  // A fresh profile directory per run (playwright takes it as the persistent context's user data dir).
  return chromium.launchPersistentContext(profileDir, {
    ...options,
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
