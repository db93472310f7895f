import { createRequire } from "node:module";

/** The part of the `yaml` package (eemeli/yaml 2.x) used here. */
interface YamlModule {
  parse(source: string, options: { merge: boolean }): unknown;
}

let found: YamlModule | null | undefined;

/**
 * The `yaml` package as node-config's parser module finds it (node-config 4's parser.js `yamlParser` requires `yaml`
 * first and falls back to `js-yaml`), or null when it finds none. Resolved from node-config's own location, so the
 * answer is node-config's whatever the install layout.
 */
function yamlModule(): YamlModule | null {
  if (found !== undefined) return found;
  try {
    const fromHere = createRequire(import.meta.url);
    found = createRequire(fromHere.resolve("config/parser.js"))("yaml") as YamlModule;
  } catch {
    found = null;
  }
  return found;
}

/**
 * Parses a YAML config file as node-config's stock parser does, but with YAML 1.1 merge keys (`<<: *defaults`)
 * applied. node-config 4 parses with the `yaml` package when it can load it, which follows YAML 1.2 and keeps `<<`
 * as a literal key (eemeli/yaml#408, #332) — silently, and only where `yaml` happens to be installed; with `js-yaml`
 * (node-config 3's choice, and 4's fallback) the same file merges. This calls `yaml` with its own `merge: true`
 * option, so a file means the same on every install. Returns `undefined` when node-config has no `yaml` to use: its
 * own parser then decides (js-yaml applies merge keys itself).
 */
export function parseYamlMergingKeys(content: string): { readonly value: unknown } | undefined {
  const yaml = yamlModule();
  return yaml ? { value: yaml.parse(content, { merge: true }) } : undefined;
}
