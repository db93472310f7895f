// The processes of the control-plane tests, each a real child process speaking JSON lines (the shared
// @outrigger/process-fixtures): a registry (registry-server's CLI), instances of "backend" that register
// themselves with a `version` (instance.fixture.ts), and clients running createOutrigger (client.fixture.ts).
import { type JsonLine, type JsonLinesChild, spawnJsonLines } from "@outrigger/process-fixtures";

const REGISTRY_CLI = new URL("../../../registry-server/src/cli.ts", import.meta.url).pathname;
const INSTANCE = new URL("./instance.fixture.ts", import.meta.url).pathname;
const CLIENT = new URL("./client.fixture.ts", import.meta.url).pathname;
/** A client's 10 000 calls on a loaded 2-core machine take well under this; it only bounds a hang. */
const CLIENT_GUARD_MS = 110_000;

/** What a client saw for one command: answers by version, status or error code; how many took `slowMs` or more. */
export interface Seen {
  readonly seen: Record<string, number>;
  readonly slow: number;
  /** The answering instances' ids in order, when the command asked for them (`ids: true`). */
  readonly ids?: string[];
}

/** A client process: `run` sends one command and resolves with what the client saw. */
export interface ClientProcess extends JsonLinesChild {
  run(n: number, extra?: Record<string, unknown>): Promise<Seen>;
}

/** An instance process: its version, and `received()`, the requests it answered so far (its own count). */
export interface InstanceProcess extends JsonLinesChild {
  readonly version: string;
  received(): Promise<number>;
}

/** The registry CLI on a free loopback port, from source; `url` is its origin. */
export async function spawnRegistry(): Promise<JsonLinesChild & { readonly url: string }> {
  const registry = await spawnJsonLines(REGISTRY_CLI, ["--port", "0", "--host", "127.0.0.1"], {}, "listening");
  return { ...registry, url: String(registry.ready.url) };
}

/** An instance of "backend" registered at `registryUrl` with metadata `version`, resolved once registered. */
export async function spawnInstance(registryUrl: string, version: string, id: string): Promise<InstanceProcess> {
  const instance = await spawnJsonLines(INSTANCE, [`${registryUrl}/eureka`, version, id], {}, "ready");
  let asked = 0;
  return {
    ...instance,
    version,
    async received() {
      const ask = ++asked;
      instance.send({ id: ask });
      return Number((await instance.next("received", (line) => line.id === ask)).received);
    },
  };
}

/** A client process on `registryUrl` (with `stateDir` for its saved revisions, when given). */
export async function spawnClient(registryUrl: string, stateDir = ""): Promise<ClientProcess> {
  const client = await spawnJsonLines(CLIENT, [`${registryUrl}/eureka`, stateDir], {}, "ready", CLIENT_GUARD_MS);
  let commands = 0;
  return {
    ...client,
    async run(n, extra = {}) {
      const id = ++commands;
      const done = client.next("done", (line: JsonLine) => line.id === id);
      client.send({ id, n, concurrency: 20, ...extra });
      return (await done) as unknown as Seen;
    },
  };
}
