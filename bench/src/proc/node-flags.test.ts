import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BenchProcess } from "./child.js";
import { nodeCommand, V8_FLAGS } from "./node-flags.js";

describe("bench Node processes", () => {
  it("run without V8's memory reducer, with a young generation that does not shrink, and --trace-gc only when asked", () => {
    const [command, args] = nodeCommand("/x/entry.ts", "tsx");
    expect(command).toBe(process.execPath);
    expect(args).toEqual(["--no-memory-reducer", "--min-semi-space-size=16", "--import", "tsx", "/x/entry.ts"]);
    expect(nodeCommand("/x/entry.ts", "tsx", true)[1]).toEqual([
      "--no-memory-reducer",
      "--min-semi-space-size=16",
      "--trace-gc",
      "--import",
      "tsx",
      "/x/entry.ts",
    ]);
    // The flags are ones this Node's V8 takes (an unknown flag would stop every bench process at start).
    const probe = spawnSync(process.execPath, [...V8_FLAGS, "--trace-gc", "-e", "0"], { encoding: "utf8" });
    expect(probe.status).toBe(0);
    expect(probe.stderr).toBe("");
  });

  it("start with the young generation at 16 MB, where V8 would start it at 1 MB and shrink it back when idle", () => {
    const newSpace = (flags: readonly string[]): number => {
      const script =
        "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))";
      return Number(spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" }).stdout);
    };
    expect(newSpace(V8_FLAGS)).toBe(16 * 1024 * 1024);
    expect(newSpace([])).toBeLessThan(16 * 1024 * 1024);
  });

  it("hands stdout lines that are not JSON messages to onText, and JSON lines to waitFor", async () => {
    const child = new BenchProcess("echo", process.execPath, [
      "-e",
      'console.log("[1:0x1] 5 ms: Mark-Compact 1 (2) -> 1 (2) MB"); console.log(JSON.stringify({ event: "ready" }))',
    ]);
    const text: string[] = [];
    child.onText((line) => text.push(line));
    await child.waitFor((m) => m.event === "ready");
    await child.exited;
    expect(text).toEqual(["[1:0x1] 5 ms: Mark-Compact 1 (2) -> 1 (2) MB"]);
  });
});
