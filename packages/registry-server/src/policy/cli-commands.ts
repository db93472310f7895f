import { parseArgs } from "node:util";
import { readBoundedFile, redactSecrets, redactUrl } from "@outrigger/core";
import { stringify } from "yaml";
import { NATIVE_API_VERSION, NATIVE_KIND } from "./documents.js";
import { lineDiff } from "./line-diff.js";
import { MAX_POLICY_BYTES, policyTooLarge } from "./policy-size.js";
import { decodePolicyText } from "./policy-text.js";
import type { PlannedChange } from "./routes.js";
import type { PolicyRecord } from "./store.js";

/** The registry CLI's control-plane subcommands. */
export const POLICY_COMMANDS = ["apply", "get", "diff", "rollback"] as const;

/** Where a subcommand writes: stdout and stderr. */
export interface CommandOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Each request to the registry gives up after 10 s. */
const REQUEST_TIMEOUT_MS = 10_000;

export const POLICY_HELP = `Control-plane commands (talk to a running registry):
  outrigger-registry apply -f FILE         apply native or Istio YAML (many documents; FILE - reads stdin)
  outrigger-registry diff -f FILE          show what apply would change, change nothing
  outrigger-registry get SERVICE           print a service's policy as a TrafficPolicy document
  outrigger-registry rollback SERVICE --to REV   make revision REV's content current again
Options: --url URL (env OUTRIGGER_REGISTRY_URL, default http://127.0.0.1:8761)
         --token TOKEN (env OUTRIGGER_REGISTRY_TOKEN; prefer the variable: arguments show in ps)
`;

class CommandError extends Error {}

/**
 * Runs `apply`, `diff`, `get` or `rollback` against a running registry; returns the exit code (0 done, 1 refused
 * by the registry or unreachable, 2 bad usage). The token is sent as a bearer header and never printed.
 */
export async function runPolicyCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CommandOutput,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`outrigger-registry: ${(error as Error).message}\n\n${POLICY_HELP}`);
    return 2;
  }
  const { command, values, positionals } = parsed;
  const url = (values.url ?? env.OUTRIGGER_REGISTRY_URL ?? "http://127.0.0.1:8761").replace(/\/+$/, "");
  const token = values.token ?? env.OUTRIGGER_REGISTRY_TOKEN;
  const bad = urlProblem(url);
  if (bad) {
    io.err(`outrigger-registry: ${bad}\n`);
    return 2;
  }
  const call = async (method: string, path: string, body?: string, type = "application/json"): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${url}/outrigger/policy${path}`, {
        method,
        headers: {
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": type }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        ...(body === undefined ? {} : { body }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CommandError(`could not reach ${redactUrl(url)}: ${(error as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({}))) as { code?: string; message?: string; issues?: string[] };
    if (!response.ok) {
      const issues = (answer.issues ?? []).map((issue) => `\n  ${issue}`).join("");
      throw new CommandError(`${answer.code ?? response.status}: ${answer.message ?? response.statusText}${issues}`);
    }
    return answer;
  };
  try {
    if (command === "apply" || command === "diff") {
      const text = await readPolicyFile(values.file);
      const result = (await call(
        "POST",
        `/apply${command === "diff" ? "?dryRun=true" : ""}`,
        text,
        "application/yaml",
      )) as {
        changes: PlannedChange[];
        records?: PolicyRecord[];
      };
      for (const change of result.changes) {
        if (command === "diff") io.out(diffText(change));
        else {
          const record = result.records?.find((r) => r.service === change.service);
          io.out(`${change.service}: revision ${record?.revision} (${change.changed ? "changed" : "unchanged"})\n`);
        }
      }
    } else if (command === "get") {
      const record = (await call(
        "GET",
        `/services/${encodeURIComponent(need(positionals[0], "SERVICE"))}`,
      )) as PolicyRecord;
      io.out(`# revision ${record.revision}\n${stringify(nativeDocument(record.service, record.policy))}`);
    } else {
      const to = Number(values.to);
      if (!Number.isSafeInteger(to)) throw new CommandError("rollback needs --to REV (a revision from the history)");
      const service = encodeURIComponent(need(positionals[0], "SERVICE"));
      const { record } = (await call("POST", `/services/${service}/rollback`, JSON.stringify({ revision: to }))) as {
        record: PolicyRecord;
      };
      io.out(`${record.service}: revision ${record.revision} (content of revision ${to})\n`);
    }
    return 0;
  } catch (error) {
    // Redacted: fetch's and the file system's messages quote URLs and paths as given.
    io.err(`outrigger-registry ${command}: ${redactSecrets((error as Error).message)}\n`);
    return 1;
  }
}

function parse(argv: readonly string[]) {
  const [command, ...rest] = argv;
  if (!POLICY_COMMANDS.includes(command as (typeof POLICY_COMMANDS)[number]))
    throw new Error(`unknown command ${command}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      file: { type: "string", short: "f" },
      url: { type: "string" },
      token: { type: "string" },
      to: { type: "string" },
    },
  });
  if ((command === "apply" || command === "diff") && !values.file) throw new Error(`${command} needs -f FILE`);
  return { command: command as (typeof POLICY_COMMANDS)[number], values, positionals };
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new CommandError(`name the ${what}`);
  return value;
}

/**
 * Why `url` cannot be the registry's: not http(s), or carrying userinfo — fetch refuses such a URL with a message
 * quoting it whole, password included, and the token belongs in the environment anyway.
 */
function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "--url must be an http:// or https:// URL";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "--url must be an http:// or https:// URL";
  if (parsed.username || parsed.password) {
    return `--url must not carry credentials (${redactUrl(url)}): put the token in OUTRIGGER_REGISTRY_TOKEN`;
  }
  return undefined;
}

/**
 * The file's text, read as the registry's policy directory reads: at most `MAX_POLICY_BYTES` (the REST routes'
 * limit too), never blocking on a FIFO, UTF-8 only.
 */
async function readPolicyFile(file: string | undefined): Promise<string> {
  if (file !== "-") {
    const bytes = await readBoundedFile(file as string, MAX_POLICY_BYTES).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EFBIG") throw tooLarge();
      if (error.code === "EFTYPE")
        throw new CommandError(`${file} is not a regular file: give a YAML file, or - for stdin`);
      throw new CommandError(`cannot read ${file}: ${error.message}`);
    });
    return decodePolicyText(bytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_POLICY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return decodePolicyText(Buffer.concat(chunks));
}

/**
 * Refused before sending, with the code and message the registry answers a larger body with (413): one limit, said
 * one way, whether the CLI or the registry meets it.
 */
function tooLarge(): CommandError {
  const refusal = policyTooLarge();
  return new CommandError(`${refusal.code}: ${refusal.message}`);
}

/** A service's policy as the native document `apply` takes back. */
export function nativeDocument(service: string, policy: unknown): unknown {
  return {
    apiVersion: NATIVE_API_VERSION,
    kind: NATIVE_KIND,
    metadata: { name: service.toLowerCase() },
    spec: policy ?? {},
  };
}

function diffText(change: PlannedChange): string {
  if (!change.changed) return `${change.service}: unchanged\n`;
  const from = change.fromRevision === null ? "new" : `revision ${change.fromRevision}`;
  const before = change.before === null ? "" : stringify(change.before).trimEnd();
  const lines = lineDiff(before, stringify(change.after).trimEnd());
  return `${change.service}: ${from} → changed\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}
