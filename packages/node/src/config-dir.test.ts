// node-config finds its directory with `--NODE_CONFIG_DIR=`, else a non-empty `$NODE_CONFIG_DIR`, else ./config
// (`Env.initParam`: an empty variable counts as unset; node-config/node-config#370). createOutrigger's section
// looked at `$NODE_CONFIG_DIR ?? "./config"` alone: an empty variable, or the argument, left it on the defaults —
// the default Eureka URL — while the app's own loadConfig() read the right files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSection } from "./config-source.js";

let root: string;
let dir: string;
const argv = process.argv;
const env = process.env.NODE_CONFIG_DIR;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "outrigger-config-dir-"));
  dir = join(root, "config");
  mkdirSync(dir);
  const section = { outrigger: { registry: { kind: "consul", url: "http://10.9.9.9:8500" } } };
  writeFileSync(join(dir, "default.json"), JSON.stringify(section));
});
afterEach(() => {
  process.argv = argv;
  if (env === undefined) delete process.env.NODE_CONFIG_DIR;
  else process.env.NODE_CONFIG_DIR = env;
  rmSync(root, { recursive: true, force: true });
});

/** The registry the section resolves to, and what it warned. */
function opened() {
  const warnings: string[] = [];
  const section = openSection(undefined, { warn: (message: string) => warnings.push(message) });
  const { kind, url } = section.current().registry as { kind: string; url?: string };
  section.close();
  return { kind, url, live: section.live !== undefined, warnings };
}

describe("createOutrigger's config directory, as node-config finds it", () => {
  it("reads --NODE_CONFIG_DIR= from the command line", () => {
    delete process.env.NODE_CONFIG_DIR;
    process.argv = [...argv.slice(0, 2), `--NODE_CONFIG_DIR=${dir}`];
    expect(opened()).toMatchObject({ kind: "consul", url: "http://10.9.9.9:8500", live: true, warnings: [] });
  });

  it("takes the argument over the variable, and an empty variable as unset", () => {
    process.env.NODE_CONFIG_DIR = join(root, "elsewhere");
    process.argv = [...argv.slice(0, 2), `--NODE_CONFIG_DIR=${dir}`];
    expect(opened()).toMatchObject({ kind: "consul", live: true });
    process.env.NODE_CONFIG_DIR = "";
    expect(opened()).toMatchObject({ kind: "consul", live: true });
  });

  it("warns, naming the directory, when the one it was told of does not exist; ./config missing stays quiet", () => {
    process.argv = argv.slice(0, 2);
    process.env.NODE_CONFIG_DIR = join(root, "missing");
    const told = opened();
    expect(told).toMatchObject({ kind: "eureka", live: false });
    expect(told.warnings).toEqual([expect.stringContaining(join(root, "missing"))]);
    delete process.env.NODE_CONFIG_DIR;
    expect(opened()).toMatchObject({ kind: "eureka", live: false, warnings: [] });
  });
});
