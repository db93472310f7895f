// The sidecar's control-plane agent (SmartStack's "synapse" role): keeps HAProxy's server list equal to the
// registry's instances through the runtime API: add/enable/ready for new ones, maint/shutdown/del for gone ones.
// No reloads. Runs beside HAProxy on the client core; its CPU counts as the sidecar's.
import { RegistryWatchInstancer, type ServiceInstance } from "@outrigger/discovery";
import { emit, serveCommands } from "../proc/child.js";
import { HEALTH_PORT_KEY, type PolicyName, policyByName } from "../variants/policy.js";
import { BACKEND, serverKeywords } from "./config.js";
import {
  addServerCommand,
  deleteServerCommands,
  enableHealthCommand,
  runtimeChange,
  runtimeCommand,
  setStateCommand,
} from "./runtime-api.js";

const socketPath = process.env.HAPROXY_SOCKET ?? "";
const policy = policyByName((process.env.POLICY ?? "matched") as PolicyName);
const keywords = serverKeywords(policy);
const current = new Map<string, ServiceInstance>();
/** `del server` is refused while connections remain; try again this many times, 100 ms apart. */
const DELETE_TRIES = 50;

const serverName = (instance: ServiceInstance): string => instance.id.replace(/[^A-Za-z0-9_.-]/g, "_");

/** The server's keywords, its checks sent to its health port (`check port N`) when it registered one. */
function keywordsOf(instance: ServiceInstance): string[] {
  const port = Number(instance.metadata[HEALTH_PORT_KEY]);
  return Number.isInteger(port) && port > 0 ? [...keywords, "port", String(port)] : keywords;
}

async function add(instance: ServiceInstance): Promise<void> {
  const name = serverName(instance);
  await runtimeChange(socketPath, addServerCommand(BACKEND, name, instance.host, instance.port, keywordsOf(instance)));
  await runtimeChange(socketPath, enableHealthCommand(BACKEND, name));
  await runtimeChange(socketPath, setStateCommand(BACKEND, name, "ready"));
  emit("server-added", { name, at: Date.now() });
}

async function remove(instance: ServiceInstance): Promise<void> {
  const name = serverName(instance);
  await runtimeChange(socketPath, setStateCommand(BACKEND, name, "maint"));
  const [shutdown, del] = deleteServerCommands(BACKEND, name);
  for (let i = 0; i < DELETE_TRIES; i++) {
    await runtimeCommand(socketPath, shutdown);
    const reply = await runtimeCommand(socketPath, del);
    if (reply === "Server deleted.") {
      emit("server-removed", { name, at: Date.now() });
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  emit("sync-error", { message: `could not delete ${name}: connections remained` });
}

let queue: Promise<void> = Promise.resolve();

function sync(instances: readonly ServiceInstance[]): void {
  queue = queue.then(async () => {
    const wanted = new Map(instances.filter((i) => i.status === "UP").map((i) => [i.id, i]));
    for (const [id, instance] of current) {
      if (!wanted.has(id)) {
        current.delete(id);
        await remove(instance).catch((e: Error) => emit("sync-error", { message: e.message }));
      }
    }
    for (const [id, instance] of wanted) {
      if (!current.has(id)) {
        current.set(id, instance);
        await add(instance).catch((e: Error) => emit("sync-error", { message: e.message }));
      }
    }
    emit("synced", { servers: [...current.keys()], at: Date.now() });
  });
}

// The same registry watch (GET /outrigger/watch/apps/UPSTREAM?index=N&wait=30s) as the SDK, so discovery is matched.
const instancer = new RegistryWatchInstancer({
  registryUrl: `${process.env.REGISTRY_URL ?? ""}/eureka`,
  service: "upstream",
});
instancer.onChange((snapshot) => sync(snapshot.instances));
instancer.onError((error) => emit("registry-error", { message: error.message }));
// Reading commands keeps the agent alive and lets the orchestrator ask for state.
serveCommands(async (command) => {
  if (command.cmd === "servers") return { servers: [...current.keys()] };
  throw new Error(`unknown command ${String(command.cmd)}`);
});
process.once("SIGTERM", () => {
  instancer.close();
  process.exit(0);
});
