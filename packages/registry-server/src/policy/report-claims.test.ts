// A holder of the read token may send policy reports (an SDK process's ACK/NACK), and before report keys it could
// send them under any process id: overwrite a canary's NACK with an ACK and the dashboard said the fleet ran the new
// revision. Now the first key to report or watch under an id claims it while its process watches (and
// REPORT_CLAIM_TTL_MS after); reports under that id with another key, or none, are refused with 409
// REGISTRY_REPORT_CLAIMED and change nothing — by POST, or carried on a watch (then the watch is answered all the
// same and says so in a header).
import { describe, expect, it } from "vitest";
import { appWithPolicy, POLICY_TOKENS } from "../policy-fixtures.js";
import { Registry } from "../registry.js";
import { fakeClock, registration } from "../test-fixtures.js";
import { REPORT_CLAIM_TTL_MS, ReportClaims } from "./report-claims.js";

const read = { authorization: `Bearer ${POLICY_TOKENS.read}` };
const write = { authorization: `Bearer ${POLICY_TOKENS.write}` };
const KEY_A = "aaaaaaaaaaaaaaaaaaaaaa";
const KEY_B = "bbbbbbbbbbbbbbbbbbbbbb";
type App = Awaited<ReturnType<typeof appWithPolicy>>;

async function setUp() {
  const clock = fakeClock();
  const server = await appWithPolicy(new Registry({ clock }));
  const post = (body: Record<string, unknown>) =>
    server.inject({
      method: "POST",
      url: "/outrigger/policy/reports",
      headers: read,
      payload: { service: "orders", clientId: "canary-1", revision: 1, ...body },
    });
  const shown = async () =>
    ((await server.inject({ url: "/outrigger/policy/reports", headers: read })).json() as { reports: object[] })
      .reports;
  return { clock, server, post, shown };
}

const watch = (server: App, headers: Record<string, string>, query = "index=-1&wait=1s") =>
  server.inject({ url: `/outrigger/watch/apps/ORDERS?${query}`, headers: { ...read, ...headers } });

describe("policy reports: one key per process id", () => {
  it("refuses another key's report, or a keyless one, under a claimed id and keeps the holder's report", async () => {
    const { post, shown } = await setUp();
    expect((await post({ status: "NACK", reason: "subset v2 unknown", clientKey: KEY_A })).statusCode).toBe(200);
    for (const forged of [{ clientKey: KEY_B }, {}]) {
      const answer = await post({ status: "ACK", ...forged });
      expect(answer.statusCode).toBe(409);
      expect(answer.json().code).toBe("REGISTRY_REPORT_CLAIMED");
      expect(answer.json().message).toContain('process "canary-1"');
      expect(answer.json().message).toContain("own id");
      expect(answer.body).not.toContain(KEY_A);
      expect(answer.body).not.toContain(KEY_B);
    }
    expect(await shown()).toMatchObject([{ process: "canary-1", status: "NACK", reason: "subset v2 unknown" }]);
    // The holder itself goes on reporting; its key never shows in the view.
    expect((await post({ status: "ACK", revision: 2, clientKey: KEY_A })).statusCode).toBe(200);
    expect(await shown()).toMatchObject([{ process: "canary-1", status: "ACK", revision: 2 }]);
    expect(JSON.stringify(await shown())).not.toContain(KEY_A);
  });

  it("lets the id go REPORT_CLAIM_TTL_MS after its holder's last report, and no sooner", async () => {
    const { clock, post, shown } = await setUp();
    expect((await post({ status: "ACK", clientKey: KEY_A })).statusCode).toBe(200);
    clock.advance(REPORT_CLAIM_TTL_MS - 1);
    expect((await post({ status: "NACK", reason: "x", clientKey: KEY_B })).statusCode).toBe(409);
    clock.advance(1);
    // A restart under the same id (a container's pid 1 on the same host) gets its id back once the old one is silent.
    expect((await post({ status: "NACK", reason: "restarted", clientKey: KEY_B })).statusCode).toBe(200);
    expect(await shown()).toMatchObject([{ status: "NACK", reason: "restarted" }]);
    expect((await post({ status: "ACK", clientKey: KEY_A })).statusCode).toBe(409);
  });

  it("keeps the claim while its holder's watch is held, however long, and REPORT_CLAIM_TTL_MS after it ends", async () => {
    const { clock, server, post } = await setUp();
    const first = await watch(server, { "x-outrigger-client": "canary-1", "x-outrigger-client-key": KEY_A });
    const index = first.headers["x-outrigger-index"];
    // Held until the application changes (a registration below), as a real long poll is.
    const held = watch(
      server,
      { "x-outrigger-client": "canary-1", "x-outrigger-client-key": KEY_A },
      `index=${index}&wait=5m`,
    );
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(10 * REPORT_CLAIM_TTL_MS);
    expect((await post({ status: "ACK", clientKey: KEY_B })).statusCode).toBe(409);
    const registered = await server.inject({
      method: "POST",
      url: "/eureka/apps/ORDERS",
      headers: write,
      payload: registration("orders-1", { app: "ORDERS" }),
    });
    expect(registered.statusCode).toBe(204);
    expect((await held).statusCode).toBe(200);
    clock.advance(REPORT_CLAIM_TTL_MS - 1);
    expect((await post({ status: "ACK", clientKey: KEY_B })).statusCode).toBe(409);
    clock.advance(1);
    expect((await post({ status: "ACK", clientKey: KEY_B })).statusCode).toBe(200);
  });

  it("answers a watch whose carried report another key's claim refuses, saying so, and records nothing", async () => {
    const { server, post, shown } = await setUp();
    expect((await post({ status: "NACK", reason: "kept", clientKey: KEY_A })).statusCode).toBe(200);
    const forged = await watch(server, {
      "x-outrigger-client": "canary-1",
      "x-outrigger-client-key": KEY_B,
      "x-outrigger-policy-nonce": "1",
    });
    expect(forged.statusCode).toBe(200);
    expect(forged.headers["x-outrigger-policy-report-refused"]).toBe("claimed");
    expect(forged.json().application).toBeDefined();
    expect(await shown()).toMatchObject([{ status: "NACK", reason: "kept" }]);
    // The holder's carried report goes through and says nothing of a refusal.
    const own = await watch(server, {
      "x-outrigger-client": "canary-1",
      "x-outrigger-client-key": KEY_A,
      "x-outrigger-policy-nonce": "1",
    });
    expect(own.headers["x-outrigger-policy-report-refused"]).toBeUndefined();
    expect(await shown()).toMatchObject([{ status: "ACK" }]);
  });

  it("lets a watch's key claim an id first, so a forger's later report is refused", async () => {
    const { server, post } = await setUp();
    await watch(server, { "x-outrigger-client": "canary-1", "x-outrigger-client-key": KEY_A });
    expect((await post({ status: "ACK", clientKey: KEY_B })).statusCode).toBe(409);
    expect((await post({ status: "ACK", clientKey: KEY_A })).statusCode).toBe(200);
  });

  it("refuses a malformed key with REGISTRY_BAD_REQUEST saying what one looks like, and claims nothing", async () => {
    const { post } = await setUp();
    for (const clientKey of ["short", "x".repeat(257), "has space in it here", 42]) {
      const answer = await post({ status: "ACK", clientKey });
      expect([answer.statusCode, answer.json().code]).toEqual([400, "REGISTRY_BAD_REQUEST"]);
      expect(answer.json().message).toContain("clientKey must be 16–256 URL-safe base64 characters");
    }
    expect((await post({ status: "ACK", clientKey: KEY_B })).statusCode).toBe(200);
  });

  it("keeps accepting keyless reports for an id no key claimed (SDKs from before keys)", async () => {
    const { post, shown } = await setUp();
    expect((await post({ status: "ACK" })).statusCode).toBe(200);
    expect((await post({ status: "NACK", reason: "again" })).statusCode).toBe(200);
    // A keyed report takes a keyless claim; from then on the key decides.
    expect((await post({ status: "ACK", revision: 2, clientKey: KEY_A })).statusCode).toBe(200);
    expect((await post({ status: "NACK", reason: "forged" })).statusCode).toBe(409);
    expect(await shown()).toMatchObject([{ status: "ACK", revision: 2 }]);
  });

  it("keeps a watching holder's claim when a flood of made-up ids fills the table", () => {
    let now = 0;
    const claims = new ReportClaims(() => now, REPORT_CLAIM_TTL_MS, 3);
    const release = claims.watch("ORDERS\u0000canary-1", KEY_A);
    for (let i = 0; i < 10; i++) claims.claim(`ORDERS\u0000made-up-${i}`, `made-up-${i}`, KEY_B);
    expect(() => claims.claim("ORDERS\u0000canary-1", "canary-1", KEY_B)).toThrow(
      expect.objectContaining({ code: "REGISTRY_REPORT_CLAIMED" }),
    );
    // Once its watch ends and the claim lapses, the id is free again.
    release();
    now += REPORT_CLAIM_TTL_MS;
    expect(() => claims.claim("ORDERS\u0000canary-1", "canary-1", KEY_B)).not.toThrow();
  });
});
