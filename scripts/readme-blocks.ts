// The TypeScript code blocks of the READMEs, as programs: which README and line each comes from, which blocks
// continue one another, and which may only be type-checked. `readme-blocks.test.ts` type-checks and runs them.
//
// Fence info, after ```ts (or ```typescript):
//   (nothing)   a complete program: type-checked, then run under a timeout.
//   continued   continues the block before it in the same README (one program, in order): for sections that
//               build on an object made above; the program runs once, after its last block.
//   no-run      type-checked only. Needs its reason in an HTML comment on the line above the fence
//               (`<!-- no-run: needs a Kubernetes API server -->`); keep these rare.
import { existsSync } from "node:fs";
import { join, relative } from "node:path";

/** One fenced TypeScript block: the README line of its first code line, its code, and its fence info words. */
export interface Block {
  readonly line: number;
  readonly code: string;
  readonly info: readonly string[];
}

/** One program: a block and the `continued` blocks after it. */
export interface Program {
  readonly readme: string;
  readonly line: number;
  readonly blocks: Block[];
  noRun: boolean;
}

/** The READMEs whose blocks are programs: the root's, each package's, each example's and the benchmark's. */
export function readmePaths(root: string, readdir: (dir: string) => string[]): string[] {
  const inDirs = (dir: string) =>
    readdir(join(root, dir))
      .map((name) => join(dir, name, "README.md"))
      .filter((path) => existsSync(join(root, path)));
  return ["README.md", ...inDirs("packages"), ...inDirs("examples"), "bench/README.md"].filter((path) =>
    existsSync(join(root, path)),
  );
}

const FENCE = /^(`{3,}|~{3,})\s*(ts|typescript)\b(.*)$/;

/**
 * The programs of one README: `{ readme, line, blocks: [{ line, code, info }], noRun, problems }`. `line` is the
 * 1-based README line of each block's first code line; `problems` lists misuse of the fence conventions.
 */
export function programsOf(readme: string, text: string): { programs: Program[]; problems: string[] } {
  const lines = text.split("\n");
  const programs: Program[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? "";
    const open = FENCE.exec(line);
    if (!open) {
      // Skip other fenced blocks whole, so a ```ts inside a ```md block is not taken for code.
      const other = /^(`{3,}|~{3,})/.exec(line);
      if (other) i = closing(lines, i, other[1] ?? "```");
      continue;
    }
    const words = (open[3] ?? "").trim().split(/\s+/).filter(Boolean);
    const end = closing(lines, i, open[1] ?? "```");
    const block: Block = { line: i + 2, code: lines.slice(i + 1, end).join("\n"), info: words };
    const at = `${readme}:${i + 1}`;
    for (const word of words) {
      if (word !== "continued" && word !== "no-run") problems.push(`${at}: unknown fence info "${word}"`);
    }
    if (words.includes("no-run") && !/<!--\s*no-run:\s*\S.*-->/.test(lines[i - 1] ?? "")) {
      problems.push(`${at}: a no-run block needs "<!-- no-run: <reason> -->" on the line above its fence`);
    }
    if (words.includes("continued")) {
      const previous = programs.at(-1);
      if (previous) previous.blocks.push(block);
      else problems.push(`${at}: "continued", but no TypeScript block comes before it`);
    } else {
      programs.push({ readme, line: block.line, blocks: [block], noRun: false });
    }
    i = end;
  }
  for (const program of programs) program.noRun = program.blocks.some((b) => b.info.includes("no-run"));
  return { programs, problems };
}

function closing(lines: string[], start: number, fence: string): number {
  for (let j = start + 1; j < lines.length; j += 1) {
    const line = lines[j] ?? "";
    if (line.startsWith(fence) && line.trim().replace(/[`~]/g, "") === "") return j;
  }
  return lines.length;
}

/**
 * One program as a module: its source, and for each of its lines the README line it came from (`null` for the
 * lines the runner adds).
 */
export function moduleOf(program: Program): { source: string; origin: (number | null)[] } {
  const source: string[] = [];
  const origin: (number | null)[] = [];
  for (const block of program.blocks) {
    block.code.split("\n").forEach((line, k) => {
      source.push(line);
      origin.push(block.line + k);
    });
  }
  // Every program is an ES module (top-level await), even one without imports.
  source.push("export {};");
  origin.push(null);
  return { source: `${source.join("\n")}\n`, origin };
}

/** `packages/config/README.md` → the directory its programs run in (so the package's own deps resolve). */
export function homeOf(root: string, readme: string): string {
  return relative(root, join(root, readme, ".."));
}
