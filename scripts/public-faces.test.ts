// The root README's conventions ("Working on Outrigger"), checked on every package's public face (each `exports`
// entry, from source): each thing is made one way — never both an exported class `X` and an exported `createX` —
// a `createX` is a factory function, not a class, and an exported class is constructed with `new` (a function
// whose name starts with an upper-case letter must be a class), and a README heading names a class as `new X(…)`,
// as users write it. Deprecated aliases are allowed and must say so.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");

/**
 * Still made two ways, each with the reason and who resolves it; the test fails once an entry is fixed (remove it
 * then) or when a new pair appears.
 */
const PENDING: Readonly<Record<string, string>> = {};

interface Face {
  readonly dir: string;
  readonly specifier: string;
  readonly names: Readonly<Record<string, unknown>>;
  /** Source text of the entry and the modules it re-exports from, to read `@deprecated` tags. */
  readonly source: string;
}

async function faces(): Promise<Face[]> {
  const out: Face[] = [];
  for (const dir of readdirSync(join(root, "packages"))) {
    const base = join(root, "packages", dir);
    const manifest = JSON.parse(readFileSync(join(base, "package.json"), "utf8"));
    for (const [entry, target] of Object.entries<Record<string, string> | string>(manifest.exports)) {
      const file = typeof target === "object" ? target["@outrigger/source"] : undefined;
      if (!file) continue;
      const names = (await import(join(base, file))) as Record<string, unknown>;
      const entryText = readFileSync(join(base, file), "utf8");
      const imported = [...entryText.matchAll(/from "(\.\/[^"]+)\.js"/g)].map((m) =>
        readFileSync(join(base, dirname(file), `${m[1]}.ts`), "utf8"),
      );
      const specifier = entry === "." ? manifest.name : `${manifest.name}/${entry.slice(2)}`;
      out.push({ dir, specifier, names, source: [entryText, ...imported].join("\n") });
    }
  }
  return out;
}

const isClass = (value: unknown): boolean =>
  typeof value === "function" && /^class[\s{]/.test(Function.prototype.toString.call(value));
const deprecated = (face: Face, name: string): boolean =>
  new RegExp(`@deprecated[^*]*\\*/\\s*export (?:const|function|class) ${name}\\b`).test(face.source);

describe("public faces follow the createX / new X convention", async () => {
  const all = await faces();

  it("no thing is made two ways (an exported class X and an exported createX)", () => {
    const pairs: string[] = [];
    for (const face of all) {
      for (const [name, value] of Object.entries(face.names)) {
        if (!name.startsWith("create") || typeof value !== "function") continue;
        const made = name.slice("create".length);
        if (isClass(face.names[made]) && !deprecated(face, name) && !deprecated(face, made)) {
          pairs.push(`${face.specifier} ${made}/${name}`);
        }
      }
    }
    expect(pairs.sort()).toEqual(Object.keys(PENDING).sort());
  });

  it("createX is a factory function, and an upper-case function is a class", () => {
    const wrong: string[] = [];
    for (const face of all) {
      for (const [name, value] of Object.entries(face.names)) {
        if (typeof value !== "function") continue;
        if (/^create[A-Z]/.test(name) && isClass(value)) wrong.push(`${face.specifier} ${name} is a class`);
        if (/^[A-Z]/.test(name) && !isClass(value)) wrong.push(`${face.specifier} ${name} is not a class`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("a README heading names an exported class as `new X(…)` (errors excepted: they are thrown, not held)", () => {
    const wrong: string[] = [];
    for (const dir of new Set(all.map((f) => f.dir))) {
      const classes = all
        .filter((f) => f.dir === dir)
        .flatMap((f) => Object.entries(f.names))
        .filter(([, value]) => isClass(value) && !((value as { prototype: unknown }).prototype instanceof Error))
        .map(([name]) => name);
      const readme = readFileSync(join(root, "packages", dir, "README.md"), "utf8");
      for (const heading of readme.split("\n").filter((line) => line.startsWith("## "))) {
        for (const [, code] of heading.matchAll(/`([^`]+)`/g)) {
          const named = classes.find((name) => code?.startsWith(name) && !/^\w/.test(code.slice(name.length)));
          if (named) wrong.push(`packages/${dir}/README.md: ${heading} (write \`new ${named}(…)\`)`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
