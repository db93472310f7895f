// Two clients of one service in one process (a test suite, a worker that makes a client per tenant) used to share
// the default process id `<service>@<host>:<pid>`. Since each watch holds a report key and the registry takes
// reports under an id from one key at a time, the second client's ACKs were refused for as long as the first one
// watched: the status view showed one process where two ran. The default id now numbers the second client (`#2`).
import { startServer } from "@outrigger/registry-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startClient, startInstance } from "../outrigger.fixture.js";
import type { Outrigger } from "../outrigger.js";

let registry: Awaited<ReturnType<typeof startServer>>;
const started: { close(): Promise<unknown> }[] = [];
beforeAll(async () => {
  registry = await startServer({ port: 0, logLevel: false });
});
afterAll(async () => {
  for (const one of started.splice(0).reverse()) await one.close();
  await registry.close();
});

interface Report {
  readonly process: string;
  readonly revision: number;
  readonly status: string;
}
const reports = async () =>
  ((await (await fetch(`${registry.url}/outrigger/policy/reports`)).json()) as { reports: Report[] }).reports;

it("gives two clients of one service in one process ids of their own, and the registry shows both ACKs", async () => {
  const registryUrl = `${registry.url}/eureka`;
  const instance = await startInstance("backend", registryUrl, () => "ok");
  started.push(instance.og);
  const put = await fetch(`${registry.url}/outrigger/policy/services/backend`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ destination: { retry: { maxAttempts: 2 } } }),
  });
  expect(put.status).toBe(200);
  const revision = ((await put.json()) as { record: { revision: number } }).record.revision;
  const clients: Outrigger[] = [];
  for (let i = 0; i < 2; i++) {
    const og = await startClient(registryUrl, { waitForInstancesMs: 10_000 });
    started.push(og);
    clients.push(og);
  }
  for (const og of clients) expect(await (await og.fetch("lb://backend/")).text()).toBe("ok");
  await expect
    .poll(async () => (await reports()).filter((r) => r.revision === revision && r.status === "ACK").length, {
      timeout: 10_000,
    })
    .toBe(2);
  const processes = (await reports()).map((r) => r.process).sort();
  expect(processes).toEqual([expect.stringMatching(/^orders@.+:\d+$/), expect.stringMatching(/^orders@.+:\d+#2$/)]);
});
