import { parseArgs } from "node:util";
import { RegistryError } from "./errors.js";
import type { ServerOptions } from "./server.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** How an option's text becomes its value: as is, a whole number, or whole seconds turned into milliseconds. */
type Kind = "text" | "int" | "seconds";

/** One command-line option, its environment variable, the server option it sets and its help line. */
interface OptionSpec {
  readonly flag: string;
  readonly env: string;
  readonly key: keyof ServerOptions;
  readonly kind: Kind;
  readonly help: string;
}

const specs: readonly OptionSpec[] = [
  { flag: "port", key: "port", kind: "int", help: "port to listen on (default 8761; 0 picks a free one)" },
  { flag: "host", key: "host", kind: "text", help: "address to listen on (default 127.0.0.1)" },
  {
    flag: "lease-duration",
    key: "defaultLeaseDurationMs",
    kind: "seconds",
    help: "lease in seconds for registrations that name none (default 90)",
  },
  {
    flag: "eviction-interval",
    key: "evictionIntervalMs",
    kind: "seconds",
    help: "seconds between evictions of expired leases (default 60)",
  },
  { flag: "body-limit", key: "bodyLimit", kind: "int", help: "largest request body in bytes (default 65536)" },
  {
    flag: "log-level",
    key: "logLevel",
    kind: "text",
    help: "fatal, error, warn, info, debug or trace (default: no request logs)",
  },
].map((spec) => ({ ...spec, env: `OUTRIGGER_REGISTRY_${spec.flag.toUpperCase().replace(/-/g, "_")}` }) as OptionSpec);

function convert(spec: OptionSpec, value: string): string | number {
  if (spec.kind === "text") return value;
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new RegistryError("REGISTRY_INVALID_OPTION", `--${spec.flag} must be a whole number, got "${value}"`);
  }
  return spec.kind === "seconds" ? n * 1000 : n;
}

/** The `--help` text: every option with its environment variable. */
export function helpText(): string {
  const lines = specs.map((s) => `  --${s.flag.padEnd(20)} ${s.help}\n  ${"".padEnd(22)} env: ${s.env}`);
  return `Usage: outrigger-registry [options]\n\nA Eureka-compatible service registry.\n\nOptions:\n${lines.join("\n")}\n  --help                 show this text\n`;
}

/** Reads options from the command line, falling back to environment variables. */
export function parseCliOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): { help: true } | { help: false; options: ServerOptions } {
  const flags: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const spec of specs) flags[spec.flag] = { type: "string" };
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true });
  const given = values as Record<string, string | boolean | undefined>;
  if (given.help) return { help: true };
  const options: Mutable<ServerOptions> = {};
  for (const spec of specs) {
    const value = given[spec.flag] ?? env[spec.env];
    if (typeof value === "string") (options as Record<string, unknown>)[spec.key] = convert(spec, value);
  }
  return { help: false, options };
}
