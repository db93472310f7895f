import { createConnection } from "node:net";

/** Admin states a server can be forced into over the runtime API. */
export type ServerState = "ready" | "drain" | "maint";

const NAME = /^[A-Za-z0-9_.:-]+$/;

function checked(kind: string, value: string): string {
  if (!NAME.test(value)) throw new Error(`HAProxy ${kind} "${value}" has characters the runtime API would split on`);
  return value;
}

/** `backend/server`, both checked: a space or a `;` would start another command. */
export function serverRef(backend: string, server: string): string {
  return `${checked("backend", backend)}/${checked("server", server)}`;
}

/** `add server be/name host:port [keywords…]` (HAProxy ≥ 2.4). The new server starts in maintenance. */
export function addServerCommand(
  backend: string,
  server: string,
  host: string,
  port: number,
  keywords: readonly string[] = [],
): string {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`port out of range: ${port}`);
  return [
    `add server ${serverRef(backend, server)} ${checked("host", host)}:${port}`,
    ...keywords.map((k) => checked("keyword", k)),
  ].join(" ");
}

/** `set server be/name state ready|drain|maint`. */
export function setStateCommand(backend: string, server: string, state: ServerState): string {
  return `set server ${serverRef(backend, server)} state ${state}`;
}

/** `set server be/name weight N` (0 stops new traffic, as a policy change would). */
export function setWeightCommand(backend: string, server: string, weight: number): string {
  if (!Number.isInteger(weight) || weight < 0 || weight > 256) throw new Error(`weight must be 0–256, got ${weight}`);
  return `set server ${serverRef(backend, server)} weight ${weight}`;
}

/** `enable health be/name`: dynamic servers start with checks off even when added with `check`. */
export function enableHealthCommand(backend: string, server: string): string {
  return `enable health ${serverRef(backend, server)}`;
}

/** `shutdown sessions server be/name`, then `del server be/name` once it is in maintenance and idle. */
export function deleteServerCommands(backend: string, server: string): [string, string] {
  return [`shutdown sessions server ${serverRef(backend, server)}`, `del server ${serverRef(backend, server)}`];
}

/** One row of `show stat` (CSV), keyed by its header's column names. */
export type StatRow = Record<string, string>;

/** Parses `show stat` output: a `# pxname,svname,…` header, then one CSV row per proxy/server. */
export function parseShowStat(text: string): StatRow[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift();
  if (!header?.startsWith("# ")) return [];
  const columns = header.slice(2).split(",");
  return lines.map((line) => {
    const cells = line.split(",");
    const row: StatRow = {};
    columns.forEach((c, i) => {
      if (c !== "") row[c] = cells[i] ?? "";
    });
    return row;
  });
}

/** Replies HAProxy 2.6 gives to a command that did what it was asked. */
const OK_REPLY = /^(|New server registered\.|Server deleted\.)$/;

/**
 * Sends one command over the stats socket (non-interactive mode: HAProxy answers and closes) and resolves with
 * the reply. Uses a plain `net` socket: no `socat` needed.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(socketPath);
    let reply = "";
    socket.setEncoding("utf8");
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`HAProxy runtime API: no reply to "${command}"`)));
    socket.on("connect", () => socket.end(`${command}\n`));
    socket.on("data", (chunk: string) => {
      reply += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(reply.trim()));
  });
}

/** Like `runtimeCommand`, but rejects when the reply is not one of the "done" replies (for state changes). */
export async function runtimeChange(socketPath: string, command: string): Promise<void> {
  const reply = await runtimeCommand(socketPath, command);
  if (!OK_REPLY.test(reply)) throw new Error(`HAProxy refused "${command}": ${reply}`);
}
