// Types for the part of node-config we use: its loader, which works without the `config` singleton.
declare module "config/lib/util.js" {
  interface ConfigSource {
    name: string;
    parsed?: unknown;
    original?: string;
  }
  /** node-config's parser module: file extensions in precedence order, and how each is parsed. */
  interface Parser {
    getFilesOrder(): string[];
    parse(filename: string, content: string): unknown;
    /** The parser `__format: name` (or a file of extension `name`) uses, if any. */
    getParser(name: string): ((filename: string | null, content: string) => unknown) | undefined;
  }
  class Load {
    static fromEnvironment(environments?: string): Load;
    options: { configDir: string; nodeEnv: string[]; parser: Parser };
    parser: Parser;
    config: Record<string, unknown>;
    scan(additional?: Array<{ name: string; config: unknown }>): void;
    /** Reads and parses one file (null when it does not exist); every file node-config reads goes through it. */
    loadFile(fullFilename: string, convert?: (config: unknown) => unknown): unknown;
    getSources(): ConfigSource[];
    /** Maps custom-environment-variables' `map` onto `variables` (process.env): the values it sets. */
    substituteDeep(map: object, variables: Record<string, string | undefined>): unknown;
  }
  /** node-config's helpers; LiveConfig swaps `cloneDeep` for a linear one while it loads (see linear-clone.ts). */
  interface Util {
    cloneDeep(parent: unknown, depth?: number, circular?: boolean, prototype?: object): unknown;
  }
  /** What node-config's `raw()` wraps a value in, so its loader leaves it as it is. */
  class RawConfig {
    resolve(): unknown;
  }
  const util: { Load: typeof Load; Util: Util; RawConfig: typeof RawConfig };
  export = util;
}

// node-config's parser module (the default `NODE_CONFIG_PARSER`): one object per process, which custom parsers change.
declare module "config/parser.js" {
  const parser: {
    parse(filename: string, content: string): unknown;
    /** The function node-config registers for `.json` (JSON5); `setParser("json", …)` does not change it. */
    jsonParser(filename: string | null, content: string): unknown;
    /** The function node-config registers for `.yaml` and `.yml` (`yaml`, else `js-yaml`). */
    yamlParser(filename: string | null, content: string): unknown;
    getParser(name: string): ((filename: string | null, content: string) => unknown) | undefined;
  };
  export = parser;
}
