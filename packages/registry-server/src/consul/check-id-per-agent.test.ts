// hashicorp/consul#5842, replayed over real HTTP on loopback: two services registered with the same CheckID. Consul
// keeps one check per id per agent (agent/local/state.go: `l.checks[id]`), so the later registration takes the check,
// with its status (agent.go restores a running check's state by id); before, both services ran an "hc" of their own
// and `pass/hc` updated the older one.
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildApp } from "../app.js";
import { Registry } from "../registry.js";

type App = ReturnType<typeof buildApp>;
let app: App;
let base: string;

beforeEach(async () => {
  app = buildApp({ registry: new Registry(), consul: { node: { name: "n1", address: "127.0.0.1" } } });
  await app.listen({ port: 0, host: "127.0.0.1" });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterEach(() => app.close());

const put = async (path: string, body?: unknown): Promise<number> =>
  (await fetch(base + path, { method: "PUT", ...(body === undefined ? {} : { body: JSON.stringify(body) }) })).status;
const get = async <T>(path: string): Promise<T> => (await fetch(base + path)).json() as Promise<T>;
const register = (name: string, id: string, status: string) =>
  put("/v1/agent/service/register", {
    Name: name,
    ID: id,
    Port: 80,
    Check: { CheckID: "hc", TTL: "60s", Status: status },
  });
type Entry = { Service: { ID: string }; Checks: { CheckID: string; Status: string }[] };
const passing = async (name: string) =>
  (await get<Entry[]>(`/v1/health/service/${name}?passing`)).map((e) => e.Service.ID);

describe("a CheckID is one per agent (hashicorp/consul#5842)", () => {
  it("the later service takes the check and its status; pass/hc then updates that service", async () => {
    expect(await register("a", "a1", "passing")).toBe(200);
    expect(await register("b", "b1", "critical")).toBe(200);
    // The check moved with its state: b1 is passing at once, a1 has no check left (so no check holds it back).
    const checks = await get<Record<string, { ServiceID: string; Status: string }>>("/v1/agent/checks");
    expect(Object.keys(checks)).toEqual(["hc"]);
    expect(checks.hc).toMatchObject({ ServiceID: "b1", Status: "passing" });
    const a = await get<Entry[]>("/v1/health/service/a");
    expect(a.map((e) => e.Checks.map((c) => c.CheckID))).toEqual([["serfHealth"]]);

    expect(await put("/v1/agent/check/fail/hc")).toBe(200);
    expect(await passing("b")).toEqual([]); // was ["b1"]: the fail went to a1's own "hc"
    expect(await passing("a")).toEqual(["a1"]);
    expect(await put("/v1/agent/check/pass/hc")).toBe(200);
    expect(await passing("b")).toEqual(["b1"]);

    // Deregistering b1 takes the check with it; a1 does not get it back.
    expect(await put("/v1/agent/service/deregister/b1")).toBe(200);
    expect(await get<Record<string, unknown>>("/v1/agent/checks")).toEqual({});
  });

  it("a node check under the id moves to the service too, and a service's own re-registration keeps its check", async () => {
    expect(await put("/v1/agent/check/register", { ID: "hc", Name: "node hc", TTL: "60s", Status: "warning" })).toBe(
      200,
    );
    expect(await register("a", "a1", "critical")).toBe(200);
    const checks = await get<Record<string, { ServiceID: string; Status: string }>>("/v1/agent/checks");
    expect(checks).toEqual({ hc: expect.objectContaining({ ServiceID: "a1", Status: "warning" }) });
    expect(await register("a", "a1", "critical")).toBe(200); // hashicorp/consul#868: the status is kept
    expect((await get<Record<string, { Status: string }>>("/v1/agent/checks")).hc?.Status).toBe("warning");
  });
});
