// Types for the part of node-config we use: its loader, which works without the `config` singleton.
declare module "config/lib/util.js" {
  interface ConfigSource {
    name: string;
  }
  class Load {
    static fromEnvironment(environments?: string): Load;
    options: { configDir: string; nodeEnv: string[] };
    config: Record<string, unknown>;
    scan(additional?: Array<{ name: string; config: unknown }>): void;
    getSources(): ConfigSource[];
  }
  const util: { Load: typeof Load };
  export = util;
}
