import { describe, expect, it } from "vitest";
import { PolicyStore } from "./store.js";

const clock = {
  t: 1_000,
  now() {
    return this.t;
  },
};
const policy = (maxAttempts: number) => ({ routes: [{ route: [{}], retry: { maxAttempts } }] });

describe("policy store", () => {
  it("numbers revisions per service and over the store; an unchanged write adds none", () => {
    const store = new PolicyStore({ clock });
    expect(store.put("orders", policy(1)).record).toMatchObject({ service: "ORDERS", revision: 1, globalRevision: 1 });
    expect(store.put("users", policy(1)).record).toMatchObject({ revision: 1, globalRevision: 2 });
    expect(store.put("ORDERS", policy(2)).record).toMatchObject({ revision: 2, globalRevision: 3 });
    expect(store.put("orders", policy(2))).toMatchObject({ changed: false, record: { revision: 2 } });
    expect(store.revision).toBe(3);
  });

  it("rolls back as a new revision with the old content, and keeps a bounded history", () => {
    const store = new PolicyStore({ clock, historyLimit: 3 });
    for (let attempts = 1; attempts <= 4; attempts += 1) store.put("orders", policy(attempts));
    expect(store.history("orders").map((r) => r.revision)).toEqual([2, 3, 4]);
    const { record } = store.rollback("orders", 2);
    expect(record).toMatchObject({ revision: 5, rolledBackFrom: 2, policy: policy(2) });
    expect(() => store.rollback("orders", 1)).toThrow(/ORDERS has no revision 1 \(kept: 3–5\)/);
  });

  it("a delete is a revision; revisions go on after it", () => {
    const store = new PolicyStore({ clock });
    store.put("orders", policy(1));
    expect(store.put("orders", null).record).toMatchObject({ revision: 2, policy: null });
    expect(store.put("orders", policy(3)).record.revision).toBe(3);
    expect(() => store.put("never", null)).toThrow(/NEVER has no policy/);
  });

  it("takes a peer's record only when newer, and the same winner on every peer for concurrent writes", () => {
    const a = new PolicyStore({ clock });
    const b = new PolicyStore({ clock });
    const onA = a.put("orders", policy(1)).record;
    clock.t += 1;
    const onB = b.put("orders", policy(2)).record;
    // Both wrote revision 1; the later write wins on both peers.
    expect(a.receive(onB)).toBe(true);
    expect(b.receive(onA)).toBe(false);
    expect(a.get("orders")?.policy).toEqual(b.get("orders")?.policy);
    expect(a.receive({ ...onA, revision: 0 })).toBe(false);
  });

  it("refuses a policy for one service more than the cap", () => {
    const store = new PolicyStore({ clock, maxServices: 1 });
    store.put("a", policy(1));
    expect(() => store.put("b", policy(1))).toThrow(expect.objectContaining({ code: "REGISTRY_POLICY_LIMIT" }));
    expect(store.put("a", policy(2)).changed).toBe(true);
  });
});
