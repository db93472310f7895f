// node-config/node-config#753 and its kind, replayed with real files: a custom-environment-variables entry that
// node-config 4.4 applies as nothing (an unknown `__format`, a value its format parses to nothing, a boolean other
// than "true"/"false") is refused with CONFIG_ENV_MAPPING instead of leaving the key at its file value in silence.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { checkEnvMapping } from "./env-mapping.js";
import { configDirPerTest, mount, next } from "./live-config.fixture.js";
import { createLiveConfig } from "./live-config.js";
import { loadConfig } from "./load-config.js";

const temp = configDirPerTest("outrigger-env-mapping-");

/** default.json and custom-environment-variables.json mapping `server.<key>` to $OG_TEST_VALUE in `format`. */
function writeMapping(format: string, value: string | undefined): void {
  writeFileSync(
    join(temp.dir, "default.json"),
    JSON.stringify({ server: { host: "localhost", port: 3000, tls: false } }),
  );
  const key = format === "boolean" ? "tls" : format === "number" ? "port" : "host";
  const mapping = { server: { [key]: { __name: "OG_TEST_VALUE", __format: format } } };
  writeFileSync(join(temp.dir, "custom-environment-variables.json"), JSON.stringify(mapping));
  if (value === undefined) delete process.env.OG_TEST_VALUE;
  else process.env.OG_TEST_VALUE = value;
}

function failure(): Record<string, unknown> | undefined {
  try {
    loadConfig({ dir: temp.dir });
    return undefined;
  } catch (error) {
    return error as Record<string, unknown>;
  }
}

describe("custom-environment-variables entries node-config would apply as nothing", () => {
  it('node-config/node-config#753: __format "string" (no such parser) is refused, naming file, path, variable and format', () => {
    writeMapping("string", "db-7.internal");
    const error = failure();
    expect(error).toMatchObject({
      code: "CONFIG_ENV_MAPPING",
      path: "server.host",
      file: join(temp.dir, "custom-environment-variables.json"),
    });
    expect(error?.message).toMatch(/\$OG_TEST_VALUE with __format "string", which node-config has no parser for/);
    expect(error?.message).toMatch(/map "OG_TEST_VALUE" as a plain string/);
    expect(inspect(error, { depth: 10 })).not.toContain("db-7.internal");
  });

  it("refuses the unknown format while the variable is unset too: the mapping is wrong before a deploy sets it", () => {
    writeMapping("string", undefined);
    expect(failure()).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "server.host" });
  });

  it('refuses a number that does not parse ("8o8o" would leave the port at 3000), without echoing it', () => {
    writeMapping("number", "8o8o");
    const error = failure();
    expect(error).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "server.port" });
    expect(error?.message).toMatch(/does not parse as one: fix the variable/);
    expect(inspect(error, { depth: 10 })).not.toContain("8o8o");
    writeMapping("number", "8080");
    expect(loadConfig({ dir: temp.dir }).get("server.port")).toBe(8080);
  });

  it('refuses a boolean other than "true"/"false" (node-config reads "TRUE", "1", "yes" as false)', () => {
    for (const value of ["TRUE", "1", "yes"]) {
      writeMapping("boolean", value);
      expect(failure()).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "server.tls" });
    }
    writeMapping("boolean", "true");
    expect(loadConfig({ dir: temp.dir }).get("server.tls")).toBe(true);
    writeMapping("boolean", "false");
    expect(loadConfig({ dir: temp.dir }).get("server.tls")).toBe(false);
  });

  it("node-config/node-config#773: a json or yaml value that parses to null is refused (node-config would keep the file value)", () => {
    for (const [format, value] of [
      ["json", "null"],
      ["yaml", "~"],
      ["yaml", "null"],
    ] as const) {
      writeMapping(format, value);
      const error = failure();
      expect(error).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "server.host" });
      expect(error?.message).toMatch(/parses to null, which node-config applies as nothing/);
    }
    // A null inside a value is a value: node-config sets the object as parsed.
    writeMapping("json", JSON.stringify({ primary: null }));
    expect(loadConfig({ dir: temp.dir }).get("server.host")).toEqual({ primary: null });
  });

  it("node-config/node-config#542: a leaf that is not a variable's name (24, true, null, []) is refused with the path", () => {
    for (const leaf of [24, true, null, ["A"]]) {
      writeFileSync(join(temp.dir, "default.json"), JSON.stringify({ jwt: { expireHours: 1 } }));
      writeFileSync(
        join(temp.dir, "custom-environment-variables.json"),
        JSON.stringify({ jwt: { expireHours: leaf } }),
      );
      const error = failure();
      expect(error).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "jwt.expireHours" });
      expect(error?.message).toMatch(/not to a variable's name: write the name as a string, e\.g\. "JWT_EXPIREHOURS"/);
    }
  });

  it("leaves plain and json mappings, empty variables and unmapped keys as node-config has them", () => {
    writeMapping("json", JSON.stringify("db.internal"));
    expect(loadConfig({ dir: temp.dir }).get("server.host")).toBe("db.internal");
    writeMapping("number", "");
    expect(loadConfig({ dir: temp.dir }).get("server.port")).toBe(3000);
    const parsers = { getParser: () => undefined };
    expect(() => checkEnvMapping({ a: { b: "PLAIN_NAME" } }, {}, parsers, "f.json")).not.toThrow();
  });

  it("a live reload that meets such a mapping is rejected with the code, and the last good config stays", async () => {
    const m = mount({ "default.json": { server: { host: "localhost" } } });
    const live = createLiveConfig({ dir: m.dir, pollIntervalMs: 0, debounceMs: 10, logger: { warn: () => {} } });
    try {
      const failed = next(live.onError);
      m.swap({
        "default.json": { server: { host: "localhost" } },
        "custom-environment-variables.json": { server: { host: { __name: "OG_TEST_VALUE", __format: "string" } } },
      });
      expect(await failed).toMatchObject({ code: "CONFIG_ENV_MAPPING", path: "server.host" });
      expect(live.get("server.host")).toBe("localhost");
    } finally {
      live.close();
      m.remove();
    }
  });
});
