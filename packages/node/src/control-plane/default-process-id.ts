import { hostname } from "node:os";

/** Clients made in this process so far, by their own service name: the second one's default id gets `#2`. */
const made = new Map<string, number>();

/**
 * `<service>@<host>:<pid>`, with `#n` for the n-th client of one service name in one process: each client's watch
 * holds its own report key, and the registry takes reports under an id from one key at a time, so two clients
 * sharing an id would have the second one's reports refused (and before keys, overwrite each other's).
 */
export function defaultProcessId(self: string): string {
  const n = (made.get(self) ?? 0) + 1;
  made.set(self, n);
  const id = `${self}@${hostname()}:${process.pid}`;
  return n === 1 ? id : `${id}#${n}`;
}
