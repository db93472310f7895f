import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { BenchProcess } from "./child.js";
import { nodeCommand } from "./node-flags.js";

describe("bench Node processes", () => {
  it("run without V8's memory reducer, and with --trace-gc only when asked", () => {
    const [command, args] = nodeCommand("/x/entry.ts", "tsx");
    expect(command).toBe(process.execPath);
    expect(args).toEqual(["--no-memory-reducer", "--import", "tsx", "/x/entry.ts"]);
    expect(nodeCommand("/x/entry.ts", "tsx", true)[1]).toEqual([
      "--no-memory-reducer",
      "--trace-gc",
      "--import",
      "tsx",
      "/x/entry.ts",
    ]);
    // The flags are ones this Node's V8 takes (an unknown flag would stop every bench process at start).
    const probe = spawnSync(process.execPath, ["--no-memory-reducer", "--trace-gc", "-e", "0"], { encoding: "utf8" });
    expect(probe.status).toBe(0);
    expect(probe.stderr).toBe("");
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
