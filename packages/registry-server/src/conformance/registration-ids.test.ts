import { describe, expect, it } from "vitest";
import { MAX_ROUTABLE_ID_BYTES } from "../routable-id.js";
import { registration } from "../test-fixtures.js";
import { registryProcesses } from "./eureka-fixture.js";

/*
 * Leftovers of issue 15's breaker pass, against a real registry process over real HTTP.
 * - An id must be routable: every later call names it in a URL, and Node refuses a request line plus headers over
 *   `http.maxHeaderSize` (16 KiB) with 431 before any route runs. Eureka sets no length and so takes ids its own
 *   container cannot route (Netflix/eureka#796: an instance nobody could delete through its URL). The registry
 *   refuses an id over `MAX_ROUTABLE_ID_BYTES` (4 KiB percent-encoded; routable-id.ts gives the source) at
 *   registration with `REGISTRY_ID_TOO_LONG`, and one at the limit renews and deregisters.
 * - A body field of the wrong type is named with the type Consul wants: Consul decodes a registration with Go's
 *   encoding/json into agent/structs/service_definition.go (`Weights *Weights{Passing, Warning int}`), which
 *   refuses `"3"` for an int as a type error, not a range error.
 */

const start = registryProcesses();

async function call(url: string, method: string, body?: unknown) {
  const res = await fetch(url, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, code: res.headers.get("x-outrigger-error-code") };
}

const codeOf = (text: string): string | undefined => (JSON.parse(text) as { code?: string }).code;

describe("registration ids every later URL can carry (real registry process)", () => {
  it("Eureka: an instanceId at the limit registers, renews and cancels; one past it is refused at registration", async () => {
    const registry = await start();
    const app = `${registry.url}/eureka/apps/LONG`;
    const atLimit = "a".repeat(MAX_ROUTABLE_ID_BYTES);
    expect((await call(app, "POST", registration(atLimit, { app: "LONG" }))).status).toBe(204);
    expect((await call(`${app}/${atLimit}`, "PUT")).status).toBe(200);
    expect((await call(`${app}/${atLimit}`, "DELETE")).status).toBe(200);
    // The breaker's case: a 20 000-byte id registered (204), then every renew got Node's 431.
    for (const id of ["a".repeat(MAX_ROUTABLE_ID_BYTES + 1), "b".repeat(20_000), "é".repeat(1_000)]) {
      const refused = await call(app, "POST", registration(id, { app: "LONG" }));
      expect({ length: id.length, status: refused.status, code: codeOf(refused.text) }).toEqual({
        length: id.length,
        status: 400,
        code: "REGISTRY_ID_TOO_LONG",
      });
      expect(JSON.parse(refused.text).message).toMatch(/instanceId too long for a URL: \d+ bytes, at most 4096/);
    }
    // The host name stands for a missing instanceId (Eureka's order), so it is held to the same limit.
    const byHost = registration("x", { app: "LONG", instanceId: undefined, hostName: "h".repeat(5_000) });
    expect(codeOf((await call(app, "POST", byHost)).text)).toBe("REGISTRY_ID_TOO_LONG");
    // Nothing was stored.
    const apps = await fetch(`${registry.url}/eureka/apps/`, { headers: { accept: "application/json" } });
    const stored = JSON.stringify(await apps.json());
    expect(["aaaa", "bbbb", "éé", "hhhh"].filter((part) => stored.includes(part))).toEqual([]);
  });

  it("Consul: a service ID or CheckID past the limit is refused; one at the limit deregisters", async () => {
    const registry = await start();
    const v1 = `${registry.url}/v1/agent`;
    const atLimit = "s".repeat(MAX_ROUTABLE_ID_BYTES);
    expect((await call(`${v1}/service/register`, "PUT", { Name: "long", ID: atLimit, Port: 1 })).status).toBe(200);
    expect((await call(`${v1}/service/deregister/${atLimit}`, "PUT")).status).toBe(200);
    const refused = await call(`${v1}/service/register`, "PUT", { Name: "long", ID: "s".repeat(20_000), Port: 1 });
    expect([refused.status, refused.code, refused.text]).toEqual([
      400,
      "REGISTRY_ID_TOO_LONG",
      "ID too long for a URL: 20000 bytes, at most 4096 percent-encoded",
    ]);
    const check = await call(`${v1}/check/register`, "PUT", { Name: "c", CheckID: "c".repeat(5_000), TTL: "10s" });
    expect([check.status, check.code]).toEqual([400, "REGISTRY_ID_TOO_LONG"]);
    const services = await fetch(`${v1}/services`);
    expect(await services.json()).toEqual({});
  });
});

describe("a body field of the wrong JSON type is named with Consul's type (real registry process)", () => {
  it('Weights: { Passing: "3" } is a type error naming Weights.Passing and int, not a range error', async () => {
    const registry = await start();
    const register = (body: unknown) => call(`${registry.url}/v1/agent/service/register`, "PUT", body);
    const cases: [Record<string, unknown>, string][] = [
      [{ Weights: { Passing: "3" } }, "Request decode failed: Weights.Passing must be an int, not a string"],
      [{ Weights: { Passing: 1, Warning: true } }, "Request decode failed: Weights.Warning must be an int, not a bool"],
      [{ Weights: "heavy" }, "Request decode failed: Weights must be a Weights object, not a string"],
      [{ Port: "8080" }, "Request decode failed: Port must be an int, not a string"],
      [{ Tags: ["a", 7] }, "Request decode failed: Tags[1] must be a string, not a number"],
      [{ Address: ["10.0.0.1"] }, "Request decode failed: Address must be a string, not an array"],
    ];
    for (const [extra, reason] of cases) {
      const answer = await register({ Name: "typed", ID: "typed-1", ...extra });
      expect({ extra, status: answer.status, code: answer.code, text: answer.text }).toEqual({
        extra,
        status: 400,
        code: "REGISTRY_CONSUL_BAD_REQUEST",
        text: reason,
      });
    }
    // A range error stays a range error.
    const zero = await register({ Name: "typed", Weights: { Passing: 0 } });
    expect([zero.status, zero.text]).toEqual([
      400,
      "Invalid Weights.Passing: Passing must be greater than 0, Warning not negative",
    ]);
    expect(await (await fetch(`${registry.url}/v1/agent/services`)).json()).toEqual({});
  });
});
