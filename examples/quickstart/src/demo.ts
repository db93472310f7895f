// The quick-start demo: a registry, two `hello` instances that register themselves, and a client that calls
// lb://hello/ through discovery, round robin and retries; then one instance is killed and calls keep working.
import type { Outrigger } from "@outrigger/node";
import type { Child, ChildEvent } from "./child.js";
import { createHelloClient, startHello, startRegistry } from "./fleet.js";
import { settings } from "./settings.js";

const config = settings();
const calls = config.get<number>("client.calls");
const children: Child[] = [];
let failures = 0;
const answeredBy = new Map<string, number>();

async function callMany(client: Outrigger, label: string): Promise<void> {
  for (let i = 1; i <= calls; i++) {
    try {
      const { data } = await client.http.get<{ from: string }>(`lb://${config.get<string>("hello.service")}/`);
      answeredBy.set(data.from, (answeredBy.get(data.from) ?? 0) + 1);
      console.log(`  ${label} call ${String(i).padStart(2)} → answered by ${data.from}`);
    } catch (error) {
      failures += 1;
      console.log(`  ${label} call ${String(i).padStart(2)} → FAILED: ${(error as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const registry = await startRegistry(config, config.get<number>("registry.port"));
  children.push(registry.child);
  console.log(`registry listening at ${registry.url}`);
  const count = config.get<number>("hello.instances");
  for (let i = 1; i <= count; i++) {
    const hello = await startHello(`hello-${i}`, registry.url);
    children.push(hello);
    const registered = (await hello.waitFor((e: ChildEvent) => e.event === "registered")) as ChildEvent;
    console.log(`hello-${i} registered on port ${registered.port}`);
  }
  const client = await createHelloClient(registry.url);
  console.log(`client created: lb://${config.get<string>("hello.service")}/ resolves on first use\n`);
  await callMany(client, "before");

  const victim = children[1] as Child;
  await victim.stop("SIGKILL");
  console.log(`\nkilled ${victim.name} without deregistering: the registry still lists it, so retries must cover\n`);
  await callMany(client, "after ");

  await client.close();
  console.log("\nsummary");
  for (const [name, n] of [...answeredBy.entries()].sort()) console.log(`  ${name}: ${n} answers`);
  console.log(
    `  calls: ${calls * 2}, failed: ${failures} (calls that met ${victim.name} were retried on another instance)`,
  );
  console.log(failures === 0 ? "  every call succeeded ✔" : "  some calls failed ✘");
  process.exitCode = failures === 0 ? 0 : 1;
}

main()
  .catch((error: unknown) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exitCode = 1;
  })
  .finally(() => Promise.all(children.map((c) => c.stop())));
