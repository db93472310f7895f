import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isConfigError } from "./errors.js";
import { configDirSpec, loadConfig } from "./load-config.js";

describe("loadConfig (node-config layering, outside its singleton)", () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "outrigger-config-"));
    writeFileSync(join(dir, "default.json"), JSON.stringify({ retry: { maxAttempts: 3, delayMs: 10 }, name: "svc" }));
    writeFileSync(join(dir, "production.json"), JSON.stringify({ retry: { maxAttempts: 5 } }));
    writeFileSync(join(dir, "custom-environment-variables.json"), JSON.stringify({ name: "SVC_NAME" }));
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("layers default, then NODE_ENV's file, then $NODE_CONFIG, then mapped environment variables", () => {
    process.env.NODE_ENV = "production";
    process.env.NODE_CONFIG = JSON.stringify({ retry: { delayMs: 99 } });
    process.env.SVC_NAME = "from-env";
    const config = loadConfig({ dir });
    expect(config.get("retry")).toEqual({ maxAttempts: 5, delayMs: 99 });
    expect(config.get("name")).toBe("from-env");
    expect(config.sources.map((s) => s.replace(`${dir}/`, ""))).toEqual([
      "default.json",
      "production.json",
      "$NODE_CONFIG",
      "custom-environment-variables.json",
    ]);
  });

  it("reads a .json with comments and trailing commas as node-config does (JSON5), strict JSON the fast way", () => {
    // node-config/node-config#715: node-config parses .json as JSON5 so that comments work; that must still hold.
    writeFileSync(join(dir, "local.json"), '{\n  // tuned for the load test\n  "retry": { "delayMs": 25, },\n}\n');
    expect(loadConfig({ dir }).get("retry.delayMs")).toBe(25);
    writeFileSync(join(dir, "local.json"), '{ "retry": { "delayMs": 26 } }');
    expect(loadConfig({ dir }).get("retry.delayMs")).toBe(26);
    writeFileSync(join(dir, "local.json"), '{ "retry": ');
    expect(() => loadConfig({ dir })).toThrow(/Cannot parse config file/);
  });

  it("gives every .json to a custom parser set with NODE_CONFIG_PARSER, strict JSON too", () => {
    // node-config's documented hook (Parser.setParser in a NODE_CONFIG_PARSER module); on main the native
    // JSON.parse fast path read strict JSON itself and the custom parser never saw those files.
    const require = createRequire(import.meta.url);
    const stock = require("config/parser.js") as {
      jsonParser: (f: string, c: string) => unknown;
      setParser(name: string, fn: (f: string, c: string) => unknown): void;
    };
    const custom = join(dir, "json-parser.cjs");
    writeFileSync(
      custom,
      `const Parser = require(${JSON.stringify(require.resolve("config/parser.js"))});
const own = Parser.jsonParser;
Parser.setParser("json", (file, content) => ({ ...own(file, content), parsedBy: "custom" }));
module.exports = Parser;
`,
    );
    process.env.NODE_CONFIG_PARSER = custom;
    try {
      const config = loadConfig({ dir });
      expect(config.get("parsedBy")).toBe("custom");
      expect(config.get("retry.maxAttempts")).toBe(3);
    } finally {
      stock.setParser("json", stock.jsonParser); // the parser module is one per process
    }
    delete process.env.NODE_CONFIG_PARSER;
    expect(loadConfig({ dir }).has("parsedBy")).toBe(false);
  });

  it("loads again with what changed on disk (no singleton), and hands out frozen data", () => {
    expect(loadConfig({ dir }).get("retry.maxAttempts")).toBe(3);
    // node-config's loader ran, but its process-wide singleton (config/lib/config.js) was never loaded.
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((file) => file.endsWith("/config/lib/util.js"))).toBe(true);
    expect(loaded.some((file) => file.endsWith("/config/lib/config.js"))).toBe(false);
    writeFileSync(join(dir, "default.json"), JSON.stringify({ retry: { maxAttempts: 7 } }));
    const config = loadConfig({ dir });
    expect(config.get("retry.maxAttempts")).toBe(7);
    expect(Object.isFrozen(config.get("retry"))).toBe(true);
  });

  it("throws CONFIG_MISSING_KEY naming the path, and answers has() without throwing", () => {
    const config = loadConfig({ dir });
    expect(config.has("retry.nope")).toBe(false);
    expect(() => config.get("retry.nope")).toThrow(/"retry.nope" is not defined/);
  });

  it("takes --NODE_CONFIG_DIR= and --NODE_CONFIG= as node-config does, and an empty NODE_CONFIG_DIR as unset", () => {
    // node-config 4 Env.initParam: `getCmdLineArg(x) || process.env[x] || default`; config.js _init layers
    // --NODE_CONFIG over $NODE_CONFIG. The flags were ignored, and NODE_CONFIG_DIR= loaded nothing, without a word.
    const argv = process.argv;
    process.env.NODE_CONFIG_DIR = join(dir, "nowhere");
    process.env.NODE_CONFIG = JSON.stringify({ retry: { delayMs: 99 }, name: "env" });
    process.argv = [...argv, `--NODE_CONFIG_DIR=${dir}`, `--NODE_CONFIG=${JSON.stringify({ name: "flag" })}`];
    try {
      const config = loadConfig();
      expect([config.get("retry.delayMs"), config.get("name")]).toEqual([99, "flag"]);
      expect(config.sources.map((s) => s.replace(`${dir}/`, ""))).toEqual([
        "default.json",
        "$NODE_CONFIG",
        "--NODE_CONFIG argument",
        "custom-environment-variables.json",
      ]);
      process.argv = [...argv, "--NODE_CONFIG={not json"];
      expect(() => loadConfig({ dir })).toThrow(/--NODE_CONFIG= argument is not valid JSON/);
    } finally {
      process.argv = argv;
    }
    process.env.NODE_CONFIG_DIR = "";
    expect(configDirSpec(undefined)).toBe(`${process.cwd()}/config`);
  });

  it("reports malformed $NODE_CONFIG and unparseable files with typed errors", () => {
    process.env.NODE_CONFIG = "{not json";
    expect(() => loadConfig({ dir })).toThrow(expect.objectContaining({ code: "CONFIG_INVALID_NODE_CONFIG" }));
    delete process.env.NODE_CONFIG;
    writeFileSync(join(dir, "default.json"), "{ broken");
    let caught: unknown;
    try {
      loadConfig({ dir });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught)).toBe(true);
    expect((caught as { code: string; message: string }).code).toBe("CONFIG_LOAD_FAILED");
  });

  it("reads several directories from NODE_CONFIG_DIR as node-config 4 does: layer by layer, later dir wins", () => {
    const second = mkdtempSync(join(tmpdir(), "outrigger-config-b-"));
    try {
      writeFileSync(join(second, "default.json"), JSON.stringify({ retry: { delayMs: 20 }, zone: "b" }));
      process.env.NODE_ENV = "production";
      process.env.NODE_CONFIG_DIR = `${dir}${delimiter}${second}`;
      const config = loadConfig();
      // second/default.json overrides dir/default.json, but dir/production.json still overrides both defaults.
      expect(config.get("retry")).toEqual({ maxAttempts: 5, delayMs: 20 });
      expect(config.get("zone")).toBe("b");
      expect(config.sources).toEqual([
        join(dir, "default.json"),
        join(second, "default.json"),
        join(dir, "production.json"),
        join(dir, "custom-environment-variables.json"),
      ]);
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });

  it("across directories, node-config's extension order comes first: the directory breaks ties of one file name", () => {
    // node-config 4 locateMatchingFiles sorts by the file name's index, extension included (node-config PR #561):
    // second/default.json is read before dir/default.json5 although second comes later in NODE_CONFIG_DIR.
    const second = mkdtempSync(join(tmpdir(), "outrigger-config-b-"));
    try {
      writeFileSync(join(dir, "default.json5"), "{ zone: 'a' }");
      writeFileSync(join(second, "default.json"), JSON.stringify({ zone: "b" }));
      const config = loadConfig({ dir: `${dir}${delimiter}${second}` });
      expect(config.get("zone")).toBe("a");
      expect(config.sources.slice(0, 3)).toEqual([
        join(dir, "default.json"),
        join(second, "default.json"),
        join(dir, "default.json5"),
      ]);
    } finally {
      rmSync(second, { recursive: true, force: true });
    }
  });

  it("hands out what a .js config returns as node-config does: raw() values as they are, functions kept", () => {
    // node-config#467 (why raw() exists) and its config callbacks ({ raw, defer }): structuredClone made the raw
    // value {} without a word and threw a DataCloneError (quoting the function) on a function value.
    writeFileSync(
      join(dir, "local.js"),
      `module.exports = ({ raw }) => ({
        log: { stream: raw(process.stdout), level: "info" },
        greet: (name) => "hi " + name,
      });`,
    );
    const config = loadConfig({ dir });
    expect(config.get("log.stream")).toBe(process.stdout);
    expect(Object.isFrozen(process.stdout)).toBe(false);
    expect(config.get<(n: string) => string>("greet")("x")).toBe("hi x");
    expect(Object.isFrozen(config.get("log"))).toBe(true);
    expect(config.get("retry")).toEqual({ maxAttempts: 3, delayMs: 10 });
  });

  it("puts {hostname} after {NODE_ENV} and local after both, before $NODE_CONFIG", () => {
    process.env.NODE_ENV = "production";
    process.env.HOST = "web-1.example.org";
    writeFileSync(join(dir, "web-1.json"), JSON.stringify({ retry: { maxAttempts: 6 }, host: "web-1" }));
    writeFileSync(join(dir, "local.json"), JSON.stringify({ host: "local" }));
    const config = loadConfig({ dir });
    expect(config.get("retry.maxAttempts")).toBe(6);
    expect(config.get("host")).toBe("local");
    expect(config.sources.map((s) => s.replace(`${dir}/`, ""))).toEqual([
      "default.json",
      "production.json",
      "web-1.json",
      "local.json",
      "custom-environment-variables.json",
    ]);
  });
});
