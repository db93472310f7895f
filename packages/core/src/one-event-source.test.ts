// One isolating event source for every package (issue #13, "three event implementations that treat a throwing
// listener three ways"): no package's source builds events on cockatiel's EventEmitter (its `emit` calls each
// listener bare, connor4312/cockatiel src/common/Event.ts, so a throwing listener breaks the call) or on Node's,
// and none keeps a module of its own that re-exports core's events: they import `EventSource` from here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const packages = join(import.meta.dirname, "..", "..");

/** Every non-test source file of every package but core, as `package/src/path`. */
function sources(): string[] {
  return readdirSync(packages)
    .filter((dir) => dir !== "core" && existsSync(join(packages, dir, "src")))
    .flatMap((dir) =>
      readdirSync(join(packages, dir, "src"), { recursive: true })
        .map(String)
        .filter((file) => file.endsWith(".ts") && !file.includes(".test.") && !file.includes("fixture"))
        .map((file) => `${dir}/src/${file}`),
    );
}

describe("one event source", () => {
  const files = sources().map((path) => ({ path, text: readFileSync(join(packages, path), "utf8") }));

  it("no package's source emits through cockatiel's EventEmitter or a Node EventEmitter of its own", () => {
    const emitters = files.filter(
      ({ text }) => /\bEventEmitter\b[^;]*from "cockatiel"/.test(text) || /new EventEmitter\b/.test(text),
    );
    expect(emitters.map((f) => f.path)).toEqual([]);
  });

  it("no package keeps its own event module: events come from @outrigger/core", () => {
    const shims = files.filter(({ path }) => /\/src\/event\.ts$/.test(path));
    expect(shims.map((f) => f.path)).toEqual([]);
  });
});
