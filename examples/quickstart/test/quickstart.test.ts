import { afterAll, describe, expect, it } from "vitest";
import type { Child } from "../src/child.js";
import { createHelloClient, type HelloClient, startHello, startRegistry } from "../src/fleet.js";
import { settings } from "../src/settings.js";

// Real processes and sockets: the registry CLI, two `hello` services, and an in-process client.
describe("quickstart: registration → discovery → load balancing → retries", () => {
  const config = settings();
  const children: Child[] = [];
  let client: HelloClient | undefined;

  afterAll(async () => {
    client?.close();
    await Promise.all(children.map((c) => c.stop("SIGKILL")));
  });

  async function callFrom(n: number): Promise<string[]> {
    const answers: string[] = [];
    for (let i = 0; i < n; i++) {
      const { data } = await (client as HelloClient).http.get<{ from: string }>("lb://hello/");
      answers.push(data.from);
    }
    return answers;
  }

  it("survives a registry restart and a killed instance without a failed call", async () => {
    let registry = await startRegistry(config, 0);
    children.push(registry.child);
    const [one, two] = [await startHello("hello-1", registry.url), await startHello("hello-2", registry.url)];
    children.push(one, two);
    client = createHelloClient(config, registry.url);
    await client.waitForInstances(2);

    // Both instances answer through the round-robin balancer.
    expect(new Set(await callFrom(10))).toEqual(new Set(["hello-1", "hello-2"]));

    // The registry restarts empty on the same port: each instance's renew gets 404 and it registers again.
    await registry.child.stop("SIGKILL");
    registry = await startRegistry(config, Number(new URL(registry.url).port));
    children.push(registry.child);
    await Promise.all([one, two].map((c) => c.waitFor((e) => e.event === "registered" && e.reason === "re-register")));
    const fetched = await fetch(`${registry.url}/eureka/apps/HELLO`, { headers: { accept: "application/json" } });
    const body = (await fetched.json()) as { application: { instance: Array<{ instanceId: string }> } };
    expect(body.application.instance.map((i) => i.instanceId).sort()).toEqual(["hello-1", "hello-2"]);

    // hello-1 dies without deregistering; discovery still lists it, so only retries keep calls from failing.
    await one.stop("SIGKILL");
    await client.instancer.refresh();
    expect(
      client.instancer
        .current()
        .instances.map((i) => i.id)
        .sort(),
    ).toEqual(["hello-1", "hello-2"]);
    const retriesBefore = client.retries();
    const answers = await callFrom(20);
    expect(answers).toEqual(Array(20).fill("hello-2"));
    expect(client.retries() - retriesBefore).toBeGreaterThanOrEqual(5);
  });
});
