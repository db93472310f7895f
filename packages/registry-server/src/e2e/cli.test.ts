import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { registration } from "../test-fixtures.js";
import { type RegistryProcess, spawnRegistry } from "./spawn-registry.js";

const started: RegistryProcess[] = [];
afterAll(async () => {
  await Promise.all(started.map((p) => p.stop()));
});

describe("outrigger-registry CLI (real process)", () => {
  it("lists every option with its environment variable in --help", () => {
    const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
    const help = execFileSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    for (const flag of [
      "--port",
      "--host",
      "--peer",
      "--token",
      "--lease-duration",
      "--eviction-interval",
      "--self-preservation",
      "--renewal-threshold",
      "--protection-threshold",
      "--body-limit",
      "--log-level",
    ]) {
      expect(help).toContain(flag);
    }
    expect(help).toContain("OUTRIGGER_REGISTRY_TOKEN");
  });

  it("takes its token from the environment, and closes gracefully on SIGTERM", async () => {
    const registry = await spawnRegistry(["--port", "0"], { OUTRIGGER_REGISTRY_TOKEN: "s3cret" });
    started.push(registry);
    const post = (headers: Record<string, string>) =>
      fetch(`${registry.url}/eureka/apps/HELLO`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(registration("a")),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: "Bearer s3cret" })).status).toBe(204);
    const { code, events } = await registry.stop();
    expect(code).toBe(0);
    expect(events).toContainEqual({ event: "closed", signal: "SIGTERM" });
  });
});
