import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isConfigError } from "./errors.js";
import { checkExpansion, expansionLimit, MAX_EXPANDED_VALUES } from "./expansion-limit.js";
import { loadConfig } from "./load-config.js";

const jsYaml = createRequire(import.meta.url)("js-yaml") as { load(text: string): unknown };

/** A YAML "billion laughs": each level lists the one above ten times, so 9 levels name 10^9 values in ~700 bytes. */
function yamlBomb(levels = 9): string {
  const lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i <= levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(10)
        .fill(`*l${i - 1}`)
        .join(", ")}]`,
    );
  return `${lines.join("\n")}\n`;
}

const yamlBombParsed = (): unknown => jsYaml.load(yamlBomb());

describe("config files whose shared references expand past the limit (YAML alias bombs)", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "outrigger-expansion-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("counts a shared object at every place it appears, and stops counting at the limit", () => {
    const parsed = yamlBombParsed(); // js-yaml (node-config's fallback) has no alias limit of its own
    expect(() => checkExpansion(parsed, "bomb.yaml")).toThrow(
      expect.objectContaining({ code: "CONFIG_FILE_TOO_LARGE", file: "bomb.yaml" }),
    );
    const shared = { a: 1 };
    expect(() => checkExpansion({ x: shared, y: shared }, "ok.yaml", 5)).not.toThrow(); // 5 values: root, x, a, y, a
    expect(() => checkExpansion({ x: shared, y: shared, z: shared }, "ok.yaml", 5)).toThrow(/more than 5 values/);
    const cycle: Record<string, unknown> = { leaf: 1 };
    cycle.x = cycle; // a .js config may hold cycles: a reference back up its own path is not followed
    cycle.y = cycle;
    expect(() => checkExpansion(cycle, "cycle.js", 2)).not.toThrow(); // root and leaf
    // Deeper than node-config merges (20 levels, below which it keeps references): still counted.
    let deep: unknown = yamlBombParsed();
    for (let i = 0; i < 30; i++) deep = { down: deep };
    expect(() => checkExpansion(deep, "deep.yaml")).toThrow(/more than 1000000 values/);
    expect(() => checkExpansion(Buffer.alloc(4096), "bytes.js", 2)).not.toThrow(); // bytes are one value
    // A plain file at the byte cap stays well inside the limit (two bytes a value at most), and a raised cap raises it.
    expect(MAX_EXPANDED_VALUES).toBeGreaterThan((1024 * 1024) / 2);
    expect(expansionLimit(8 * 1024 * 1024)).toBe(8 * 1024 * 1024);
  });

  it("loadConfig refuses a .js config that shares objects 10^12 ways, before node-config merges it", () => {
    // Without the limit node-config's extendDeep walks every path: this load never ends.
    writeFileSync(
      join(dir, "default.js"),
      "let level = { leaf: 1 };\nfor (let i = 0; i < 12; i++) { const next = {}; for (let k = 0; k < 10; k++) next['k' + k] = level; level = next; }\nmodule.exports = { name: 'svc', bomb: level };\n",
    );
    const error = (() => {
      try {
        loadConfig({ dir });
      } catch (e) {
        return e;
      }
    })();
    expect(isConfigError(error) && error.code).toBe("CONFIG_FILE_TOO_LARGE");
    expect((error as Error).message).toContain(join(dir, "default.js"));
  });

  it("loadConfig refuses a YAML alias bomb with a typed error, whichever YAML parser node-config found", () => {
    writeFileSync(join(dir, "default.yaml"), yamlBomb());
    const error = (() => {
      try {
        loadConfig({ dir });
      } catch (e) {
        return e;
      }
    })();
    // `yaml` refuses it itself (maxAliasCount: CONFIG_LOAD_FAILED); js-yaml parses it and the limit refuses it.
    expect(isConfigError(error) && ["CONFIG_FILE_TOO_LARGE", "CONFIG_LOAD_FAILED"].includes(error.code)).toBe(true);
  });
});
