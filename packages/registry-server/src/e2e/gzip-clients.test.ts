import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { type RunningServer, startServer } from "../server.js";
import { registration } from "../test-fixtures.js";
import { launchChromium } from "./chromium.js";

const run = promisify(execFile);
/** Guard against a hung client only. */
const CLIENT_GUARD_MS = 60_000;
/** Bodies of a few MB: curl and java write them to a pipe. */
const MAX_BUFFER = 64 * 1024 * 1024;

/** Eureka's Java client reads gzip through java.util.zip.GZIPInputStream; this does the same, no JSON parsing. */
const JAVA_GUNZIP = `
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.zip.GZIPInputStream;

public class Gunzip {
  public static void main(String[] args) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) new URL(args[0]).openConnection();
    connection.setRequestProperty("Accept", "application/json");
    connection.setRequestProperty("Accept-Encoding", "gzip");
    if (!"gzip".equals(connection.getContentEncoding())) throw new IllegalStateException("answer is not gzip");
    try (InputStream in = new GZIPInputStream(connection.getInputStream())) {
      in.transferTo(System.out);
    }
  }
}
`;

let server: RunningServer;
let browser: BrowserContext;
const scratch = mkdtempSync(join(tmpdir(), "outrigger-gzip-clients-"));

beforeAll(async () => {
  server = await startServer({ port: 0 });
  // 2 000 instances in two apps: about 1.7 MB of JSON in some 60 chunks.
  for (let i = 0; i < 2000; i += 1) {
    const app = i % 4 === 0 ? "SMALL" : "LARGE";
    server.registry.register(parseRegistration(registration(`i${i}`, { app }), app, 1));
  }
  writeFileSync(join(scratch, "Gunzip.java"), JAVA_GUNZIP);
  browser = await launchChromium(join(scratch, "profile"));
}, CLIENT_GUARD_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The plain answer, as the reference every decoded gzip must equal. */
async function plain(): Promise<string> {
  const res = await fetch(`${server.url}/eureka/apps`, {
    headers: { accept: "application/json", "accept-encoding": "identity" },
  });
  expect(res.headers.get("content-encoding")).toBeNull();
  return res.text();
}

/** A write in the middle of the document, so the next gzip joins kept chunks with recompressed ones. */
async function write(value: string): Promise<void> {
  const res = await fetch(`${server.url}/eureka/apps/LARGE/i1001/status?value=${value}`, { method: "PUT" });
  expect(res.status).toBe(200);
}

describe("full fetch gzip, decoded by real clients", () => {
  it("Node's fetch (undici) decodes it to the plain body", async () => {
    for (const value of ["OUT_OF_SERVICE", "UP"]) {
      await write(value);
      const zipped = await fetch(`${server.url}/eureka/apps`, {
        headers: { accept: "application/json", "accept-encoding": "gzip" },
      });
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect((await zipped.text()) === (await plain())).toBe(true);
    }
  });

  it("curl --compressed decodes it to the plain body", async () => {
    await write("OUT_OF_SERVICE");
    const { stdout } = await run(
      "curl",
      ["-sS", "--fail", "--compressed", "-H", "Accept: application/json", `${server.url}/eureka/apps`],
      {
        timeout: CLIENT_GUARD_MS,
        maxBuffer: MAX_BUFFER,
      },
    );
    expect(stdout === (await plain())).toBe(true);
  });

  it("Java's GZIPInputStream (what Eureka's Java client uses) decodes it to the plain body", async () => {
    await write("UP");
    const { stdout } = await run("java", [join(scratch, "Gunzip.java"), `${server.url}/eureka/apps`], {
      timeout: CLIENT_GUARD_MS,
      maxBuffer: MAX_BUFFER,
    });
    expect(stdout === (await plain())).toBe(true);
  });

  it("Chromium decodes it to the plain body", async () => {
    await write("DOWN");
    const page = await browser.newPage();
    await page.goto(`${server.url}/eureka/status`);
    const answer = await page.evaluate(async () => {
      const res = await fetch("/eureka/apps", { headers: { accept: "application/json" } });
      return { encoding: res.headers.get("content-encoding"), text: await res.text() };
    });
    expect(answer.encoding).toBe("gzip");
    expect(answer.text === (await plain())).toBe(true);
    await page.close();
  });
});
