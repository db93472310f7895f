// node-config field reports replayed against loadConfig and LiveConfig with real files in temp directories. Each
// test names the report (repo#number); the rules are node-config's own (lib/util.js: Load.scan, substituteDeep,
// getCustomEnvVars; parser.js), which loadConfig runs outside the singleton.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { configDirPerTest, mount, next } from "./live-config.fixture.js";
import { createLiveConfig } from "./live-config.js";
import { loadConfig } from "./load-config.js";

const temp = configDirPerTest("outrigger-field-");

const write = (files: Record<string, unknown>) => {
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(temp.dir, name), typeof content === "string" ? content : JSON.stringify(content));
  }
};

/** Everything an error shows anywhere: its message, its cause chain and their own properties, as a log would. */
const shown = (error: unknown) => inspect(error, { depth: 10 });

describe("environment variables", () => {
  it("node-config/node-config#211, #584: __name/__format: json maps one variable to a subtree, and wins over $NODE_CONFIG", () => {
    write({
      "default.json": { db: { host: "localhost", pool: 5 }, port: 3000 },
      "custom-environment-variables.json": { db: { __name: "DB_SETTINGS", __format: "json" }, port: "APP_PORT" },
    });
    process.env.DB_SETTINGS = JSON.stringify({ host: "db.internal", pool: 20 });
    process.env.APP_PORT = "9090";
    process.env.NODE_CONFIG = JSON.stringify({ db: { host: "from-node-config" }, port: 7000 });
    const config = loadConfig({ dir: temp.dir });
    expect(config.get("db")).toEqual({ host: "db.internal", pool: 20 });
    expect(config.get("port")).toBe("9090"); // an environment variable is a string unless __format says otherwise
    expect(config.sources.at(-1)).toContain("custom-environment-variables");
  });

  it("node-config lib/util.js substituteDeep: an empty variable is no value, so the layer below keeps its own", () => {
    write({ "default.json": { port: 3000 }, "custom-environment-variables.json": { port: "APP_PORT" } });
    process.env.APP_PORT = "";
    expect(loadConfig({ dir: temp.dir }).get("port")).toBe(3000);
  });

  it("node-config/node-config#626, #302: NODE_CONFIG_ENV picks the files, not NODE_ENV", () => {
    write({
      "default.json": { name: "default" },
      "qa.json": { name: "qa" },
      "production.json": { name: "production" },
    });
    process.env.NODE_ENV = "production";
    process.env.NODE_CONFIG_ENV = "qa";
    const config = loadConfig({ dir: temp.dir });
    expect(config.get("name")).toBe("qa");
    expect(config.sources.some((s) => s.endsWith("production.json"))).toBe(false);
  });
});

describe("merging", () => {
  it("node-config/node-config#562, #81: arrays are replaced whole, objects merged key by key", () => {
    write({
      "default.json": { hosts: ["a", "b", "c"], retry: { maxAttempts: 3, backoff: "exponential" } },
      "production.json": { hosts: ["x"], retry: { maxAttempts: 5 } },
    });
    process.env.NODE_ENV = "production";
    const config = loadConfig({ dir: temp.dir });
    expect(config.get("hosts")).toEqual(["x"]); // not ["x", "b", "c"], as an index-wise merge would give
    expect(config.get("retry")).toEqual({ maxAttempts: 5, backoff: "exponential" });
  });
});

describe("immutability", () => {
  it("node-config/node-config#471, #505, #648: what get() returns cannot be changed, so every reader sees the same", () => {
    write({ "default.json": { client: { retry: { maxAttempts: 3 } }, hosts: ["a"] } });
    const config = loadConfig({ dir: temp.dir });
    const retry = config.get<{ maxAttempts: number; delay?: number }>("client.retry");
    expect(() => {
      retry.delay = 123;
    }).toThrow(TypeError);
    expect(() => config.get<string[]>("hosts").push("b")).toThrow(TypeError);
    expect(() => {
      (config.data as Record<string, unknown>).client = "polluted";
    }).toThrow(TypeError);
    expect(config.get("client")).toEqual({ retry: { maxAttempts: 3 } });
    expect(config.get("hosts")).toEqual(["a"]);
  });

  it("node-config/node-config#188 (reload, declined there): after a live reload the replaced view is still whole and frozen", async () => {
    const m = mount({ "default.json": { retry: { maxAttempts: 3 } } });
    const live = createLiveConfig({ dir: m.dir, pollIntervalMs: 0, debounceMs: 10 });
    try {
      const changed = next(live.onChange);
      m.swap({ "default.json": { retry: { maxAttempts: 4 } } });
      const { previous, config } = await changed;
      expect(previous.get("retry.maxAttempts")).toBe(3);
      expect(config.get("retry.maxAttempts")).toBe(4);
      expect(() => {
        (previous.get("retry") as { maxAttempts: number }).maxAttempts = 9;
      }).toThrow(TypeError);
    } finally {
      live.close();
      m.remove();
    }
  });
});

/** What `loadConfig` threw for the test's directory (undefined when it loaded). */
function loadFailure(): unknown {
  try {
    loadConfig({ dir: temp.dir });
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("no secret in a load error", () => {
  // A broken local.yaml (often a mounted Secret): the YAML parsers quote the lines around the fault.
  const brokenYaml = 'db:\n  user: app\n  password: "hunter2-secret\n  host: db\n'; // an unclosed quote

  it("a broken local.yaml is reported by file, reason and line:column, without its lines (a guard: the YAML parsers' message quotes them)", () => {
    write({ "default.json": { db: { user: "x" } }, "local.yaml": brokenYaml });
    const failure = loadFailure();
    expect(failure).toMatchObject({ code: "CONFIG_LOAD_FAILED" });
    expect((failure as Error).message).toContain("local.yaml");
    expect(shown(failure)).not.toContain("hunter2");
  });

  it("a variable read with __format: yaml (node-config#211) that does not parse is not echoed", () => {
    write({
      "default.json": { db: {} },
      "custom-environment-variables.json": { db: { __name: "DB", __format: "yaml" } },
    });
    process.env.DB = 'user: app\npassword: "hunter2-secret';
    const failure = loadFailure();
    expect(failure).toMatchObject({ code: "CONFIG_LOAD_FAILED" });
    expect((failure as Error).message).toContain("DB");
    expect(shown(failure)).not.toContain("hunter2");
  });

  it("an invalid $NODE_CONFIG is refused without quoting it", () => {
    write({ "default.json": { a: 1 } });
    process.env.NODE_CONFIG = '{"db":{"password":hunter2-secret}}';
    const failure = loadFailure();
    expect(failure).toMatchObject({ code: "CONFIG_INVALID_NODE_CONFIG" });
    expect(shown(failure)).not.toContain("hunter2");
  });

  it("a live reload that meets a broken YAML file reports it without the secret, and keeps the last good config", async () => {
    const m = mount({ "default.json": { db: { user: "app" } } });
    const lines: string[] = [];
    const live = createLiveConfig({
      dir: m.dir,
      pollIntervalMs: 0,
      debounceMs: 10,
      logger: { warn: (line) => lines.push(line) },
    });
    try {
      const failed = next(live.onError);
      m.swap({ "default.json": { db: { user: "app" } }, "local.yaml": brokenYaml });
      const error = await failed;
      expect(error).toMatchObject({ code: "CONFIG_LOAD_FAILED", file: join(m.dir, "local.yaml") });
      expect(shown(error)).not.toContain("hunter2");
      expect(lines.join("\n")).not.toContain("hunter2");
      expect(live.get("db.user")).toBe("app");
    } finally {
      live.close();
      m.remove();
    }
  });
});

describe("YAML merge keys", () => {
  // node-config 4's parser.js loads `yaml` before `js-yaml`; `yaml` follows YAML 1.2 and keeps `<<` as a literal key
  // (eemeli/yaml#408, #332), js-yaml (node-config 3's choice) merges. Which one node-config finds depends on the
  // install, so a file once meant two things. Here node-config finds `yaml` (checked first, so this case is real).
  const defaults = "defaults: &defaults\n  timeout: 1000\n  retries: 2\n";

  it("node-config finds the `yaml` package in this install, the parser that keeps `<<` as a key", () => {
    const fromHere = createRequire(import.meta.url);
    const yaml = createRequire(fromHere.resolve("config/parser.js"))("yaml") as { parse(s: string): unknown };
    expect(yaml.parse(`${defaults}pay:\n  <<: *defaults\n`)).toMatchObject({ pay: { "<<": { timeout: 1000 } } });
  });

  it("applies `<<: *alias` and `<<: [*a, *b]` as YAML 1.1 merge keys, the map's own keys winning", () => {
    const services = "services:\n  pay:\n    <<: *defaults\n    retries: 5\n  list:\n    <<: [*defaults, *slow]\n";
    write({ "default.yaml": `${defaults}slow: &slow\n  timeout: 9000\n  tls: true\n${services}` });
    const config = loadConfig({ dir: temp.dir });
    expect(config.get("services")).toEqual({
      pay: { timeout: 1000, retries: 5 },
      // In a list of maps the earlier one wins (yaml.org/type/merge).
      list: { timeout: 1000, retries: 2, tls: true },
    });
  });

  it("applies them in a variable read with __format: yaml (node-config#211) as in a file", () => {
    write({
      "default.json": { db: {} },
      "custom-environment-variables.json": { db: { __name: "DB_YAML", __format: "yaml" } },
    });
    process.env.DB_YAML = `${defaults}pay:\n  <<: *defaults\n  retries: 4\n`;
    expect(loadConfig({ dir: temp.dir }).get("db.pay")).toEqual({ timeout: 1000, retries: 4 });
  });

  it("applies merge keys in .yml as in .yaml, and a file without them parses as before", () => {
    write({ "default.yml": `${defaults}pay:\n  <<: *defaults\n`, "local.yaml": "pay:\n  retries: 3\n" });
    expect(loadConfig({ dir: temp.dir }).get("pay")).toEqual({ timeout: 1000, retries: 3 });
  });
});
