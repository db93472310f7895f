import { ConfigError } from "./errors.js";

/** node-config's parser lookup: the function `__format: name` parses with, if it has one. */
export interface FormatParsers {
  getParser(name: string): ((filename: string | null, content: string) => unknown) | undefined;
}

/** node-config's formats whose parser runs code (parser.js): never called here. */
const CODE_FORMATS: ReadonlySet<string> = new Set(["js", "cjs", "mjs", "ts", "coffee", "iced"]);

/**
 * Refuses a custom-environment-variables mapping that node-config would apply as nothing, before it applies it: a
 * leaf that is not a variable's name (a number, `true`, null, an array: node-config/node-config#542), a
 * `__format` it has no parser for (node-config 4.4's `parseString` returns undefined, "TODO: throw on missing",
 * node-config/node-config#753), a set variable whose format parses to nothing (`number` on "8o8o") or to null
 * (`json` on "null", `yaml` on "~": node-config 4.4's `Util.setPath` ignores a null value, node-config/node-config#773),
 * and a `boolean` that is neither "true" nor "false" (node-config reads "1", "TRUE" and "yes" as false). Each would leave the key
 * at its file value, or unset, with no word. Throws CONFIG_ENV_MAPPING naming the file, the dotted path, the
 * variable and the format — never the variable's value, which may be a secret. `vars`: usually `process.env`;
 * variables unset or empty are skipped, as node-config skips them.
 */
export function checkEnvMapping(
  map: unknown,
  vars: Readonly<Record<string, string | undefined>>,
  parsers: FormatParsers,
  file: string,
): void {
  const walk = (node: unknown, path: readonly string[]): void => {
    if (typeof node === "string") return;
    if (typeof node !== "object" || node === null || Array.isArray(node)) {
      // node-config throws "Illegal key type for substitution map" here (node-config/node-config#542).
      const where = path.join(".");
      throw new ConfigError(
        "CONFIG_ENV_MAPPING",
        `${file}: "${where}" maps to ${String(JSON.stringify(node)).slice(0, 80)}, not to a variable's name: write the name as a string, e.g. "${where.toUpperCase().replaceAll(".", "_")}"`,
        { file, path: where },
      );
    }
    const entry = node as Record<string, unknown>;
    if ("__name" in entry && "__format" in entry) {
      checkEntry(String(entry.__name), String(entry.__format), path.join("."));
      return;
    }
    for (const [key, child] of Object.entries(entry)) walk(child, [...path, key]);
  };
  const checkEntry = (name: string, format: string, path: string): void => {
    const fail = (what: string): never => {
      throw new ConfigError("CONFIG_ENV_MAPPING", `${file}: "${path}" reads $${name} ${what}`, { file, path });
    };
    const parse = parsers.getParser(format);
    if (typeof parse !== "function")
      fail(
        `with __format "${format}", which node-config has no parser for: use json, yaml, number or boolean, or map "${name}" as a plain string`,
      );
    const value = vars[name];
    if (value === undefined || value === "") return;
    if (format === "boolean" && value !== "true" && value !== "false")
      fail(`as a boolean, but its value is neither "true" nor "false": set one of them`);
    // A code format's parser loads a module by file name; node-config's own call reports what it does.
    if (CODE_FORMATS.has(format)) return;
    let parsed: unknown;
    try {
      parsed = parse?.(null, value);
    } catch {
      return; // node-config reports a parse error itself, naming the variable ("__format parser error in …")
    }
    if (parsed === undefined) fail(`with __format "${format}", but its value does not parse as one: fix the variable`);
    // node-config drops a null where it sets the value (node-config/node-config#773): the key keeps its file value.
    if (parsed === null)
      fail(
        `with __format "${format}", but its value parses to null, which node-config applies as nothing (the key keeps its file value): unset the variable to keep that value, or set the one you mean`,
      );
  };
  // An empty or odd file as a whole is node-config's to read (CONFIG_EMPTY, CONFIG_LOAD_FAILED).
  if (typeof map === "object" && map !== null && !Array.isArray(map)) walk(map, []);
}
