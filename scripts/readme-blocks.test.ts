// Docs that run: every TypeScript block of every README is type-checked (strict, the base tsconfig) and executed
// with tsx under a time limit. Programs are written inside the README's own package (in `.tmp/`, ignored by git)
// so `@outrigger/*` imports and the package's dependencies resolve as they would for a user; sibling packages
// resolve to their source through the `@outrigger/source` export condition, so no build is needed.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Block, homeOf, moduleOf, type Program, programsOf, readmePaths } from "./readme-blocks.js";

const root = join(import.meta.dirname, "..");
const condition = "@outrigger/source";
/** A block gets this long to run, start to exit; one that leaves a server or timer open fails here. */
const RUN_TIMEOUT_MS = 20_000;
const OUT = ".tmp/readme-blocks";

interface Written extends Program {
  file: string;
  cwd: string;
  origin: (number | null)[];
  source: string;
}

const found = readmePaths(root, (dir) => readdirSync(dir)).map((readme) =>
  programsOf(readme, readFileSync(join(root, readme), "utf8")),
);
const problems = found.flatMap((f) => f.problems);
const programs: Written[] = found
  .flatMap((f) => f.programs)
  .map((program) => {
    const cwd = join(root, homeOf(root, program.readme));
    const name = `${program.readme.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}-${program.line}.ts`;
    const { source, origin } = moduleOf(program);
    return { ...program, cwd, file: join(cwd, OUT, name), origin, source };
  });

function run(command: string, args: string[], cwd: string, timeoutMs: number) {
  return new Promise<{ code: number | null; output: string; timedOut: boolean }>((resolve) => {
    const child = spawn(command, args, { cwd, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // The whole group: a block may have started children of its own.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

/** tsc's diagnostics, by generated file; each mapped back to `README:line`. */
let diagnostics = new Map<string, string[]>();

beforeAll(async () => {
  for (const program of programs) {
    mkdirSync(join(program.cwd, OUT), { recursive: true });
    writeFileSync(program.file, program.source);
  }
  const project = join(root, OUT, "tsconfig.json");
  mkdirSync(join(root, OUT), { recursive: true });
  writeFileSync(
    project,
    JSON.stringify({
      extends: "../../tsconfig.base.json",
      compilerOptions: { customConditions: [condition], noEmit: true },
      files: programs.map((p) => relative(join(root, OUT), p.file)),
      // Ambient declarations a package's sources rely on (not reached through imports).
      include: ["../../packages/*/src/**/*.d.ts"],
    }),
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const { output } = await run(process.execPath, [tsc, "-p", project, "--pretty", "false"], root, 120_000);
  diagnostics = new Map();
  let last: string[] | undefined;
  for (const line of output.split("\n")) {
    const m = /^(.+?)\((\d+),(\d+)\): (error .*)$/.exec(line);
    if (!m) {
      if (last && line.trim() !== "") last.push(line);
      continue;
    }
    const file = join(root, m[1] as string);
    const program = programs.find((p) => p.file === file);
    const where = program
      ? `${program.readme}:${program.origin[Number(m[2]) - 1] ?? "end"}`
      : `${relative(root, file)}:${m[2]}`;
    const key = program ? program.file : "other";
    last = diagnostics.get(key) ?? [];
    last.push(`${where}: ${m[4]}`);
    diagnostics.set(key, last);
  }
}, 180_000);

afterAll(() => {
  for (const dir of new Set(programs.map((p) => join(p.cwd, OUT)))) rmSync(dir, { recursive: true, force: true });
  rmSync(join(root, OUT), { recursive: true, force: true });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("the README block reader", () => {
  const md = (...lines: string[]) => lines.join("\n");

  it("chains continued blocks, keeps README lines, and skips fences of other languages", () => {
    const { programs, problems } = programsOf(
      "X.md",
      md(
        "# x",
        "```ts",
        "const a = 1;",
        "```",
        "````md",
        "```ts",
        "not code",
        "```",
        "````",
        "```ts continued",
        "a;",
        "```",
      ),
    );
    expect(problems).toEqual([]);
    expect(programs).toHaveLength(1);
    expect(programs[0]!.blocks.map((b: Block) => b.line)).toEqual([3, 11]);
    expect(moduleOf(programs[0]!).origin).toEqual([3, 11, null]);
  });

  it("refuses a no-run block without its reason, an unknown word and a continued block with nothing before it", () => {
    const { problems } = programsOf(
      "X.md",
      md("```ts continued", "1;", "```", "```ts no-run", "2;", "```", "```ts skip", "3;", "```"),
    );
    expect(problems).toEqual([
      'X.md:1: "continued", but no TypeScript block comes before it',
      'X.md:4: a no-run block needs "<!-- no-run: <reason> -->" on the line above its fence',
      'X.md:7: unknown fence info "skip"',
    ]);
    const ok = programsOf("X.md", md("<!-- no-run: needs Redis -->", "```ts no-run", "2;", "```"));
    expect(ok.problems).toEqual([]);
    expect(ok.programs[0]!.noRun).toBe(true);
  });
});

describe("README code blocks", () => {
  it("follow the fence conventions (continued, no-run with a reason)", () => {
    expect(problems).toEqual([]);
    expect(programs.length).toBeGreaterThan(20);
  });

  it("type-check nowhere but in the blocks themselves", () => {
    expect(diagnostics.get("other") ?? []).toEqual([]);
  });

  for (const program of programs) {
    const name = `${program.readme}:${program.line}${program.blocks.length > 1 ? ` (+${program.blocks.length - 1} continued)` : ""}`;
    it(
      `${name} type-checks${program.noRun ? " (no-run)" : " and runs"}`,
      async () => {
        expect(diagnostics.get(program.file) ?? [], `tsc errors in ${name}`).toEqual([]);
        if (program.noRun) return;
        const result = await run(
          process.execPath,
          [`--conditions=${condition}`, "--import", "tsx", program.file],
          program.cwd,
          RUN_TIMEOUT_MS,
        );
        // Stack frames point into the generated file: name the README line instead.
        const mapped = result.output.replaceAll(
          new RegExp(`${escapeRegExp(program.file)}:(\\d+)`, "g"),
          (_, line: string) => `${program.readme}:${program.origin[Number(line) - 1] ?? "end"}`,
        );
        const tail = mapped.split("\n").slice(-25).join("\n");
        expect(
          result.timedOut,
          `${name} still running after ${RUN_TIMEOUT_MS} ms (left a server or timer open?)\n${tail}`,
        ).toBe(false);
        expect(result.code, `${name} exited with ${result.code}\n${tail}`).toBe(0);
      },
      RUN_TIMEOUT_MS + 10_000,
    );
  }
});
