import type { Outrigger } from "@outrigger/node";
import { afterAll, describe, expect, it } from "vitest";
import type { Child } from "../src/child.js";
import { createHelloClient, startHello, startRegistry } from "../src/fleet.js";
import { settings } from "../src/settings.js";

// Real processes and sockets: the registry CLI, two `hello` services, and an in-process client.
describe("quickstart: registration → discovery → load balancing → retries", () => {
  const config = settings();
  const children: Child[] = [];
  let client: Outrigger | undefined;

  afterAll(async () => {
    await client?.close();
    await Promise.all(children.map((c) => c.stop("SIGKILL")));
  });

  async function callFrom(n: number): Promise<string[]> {
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const { data } = await (client as Outrigger).http.get<{ from: string }>("lb://hello/");
      answers.push(data.from);
    }
    return answers;
  }

  it("survives a registry restart and a killed instance without a failed call", async () => {
    let registry = await startRegistry(config, 0);
    children.push(registry.child);
    const [one, two] = [await startHello("hello-1", registry.url), await startHello("hello-2", registry.url)];
    children.push(one, two);
    client = await createHelloClient(registry.url);

    // Both instances answer through the round-robin balancer.
    expect(new Set(await callFrom(10))).toEqual(new Set(["hello-1", "hello-2"]));

    // The registry restarts empty on the same port: each instance's renew gets 404 and it registers again.
    await registry.child.stop("SIGKILL");
    registry = await startRegistry(config, Number(new URL(registry.url).port));
    children.push(registry.child);
    await Promise.all([one, two].map((c) => c.waitFor((e) => e.event === "registered" && e.reason === "re-register")));
    expect(await registeredPorts(registry.url)).toHaveLength(2);

    // hello-1 dies without deregistering; the registry still lists it (its lease has 30 s to run), so calls that
    // the round robin sends to it fail to connect and only retries on hello-2 keep them from failing.
    await one.stop("SIGKILL");
    expect(await registeredPorts(registry.url)).toHaveLength(2);
    const answers = await callFrom(20);
    expect(answers).toEqual(Array(20).fill("hello-2"));
  });
});

/** Ports of the `hello` instances the registry lists. */
async function registeredPorts(registryUrl: string): Promise<number[]> {
  const fetched = await fetch(`${registryUrl}/eureka/apps/HELLO`, { headers: { accept: "application/json" } });
  const body = (await fetched.json()) as { application: { instance: Array<{ port: { $: number } }> } };
  return body.application.instance.map((i) => i.port.$);
}
