import { describe, expect, it } from "vitest";
import { SAFE_DEFAULTS } from "../safe-defaults.js";
import { layerPolicy } from "./layering.js";

describe("precedence: local config < central policy < code overrides", () => {
  it("takes each key whole from the highest layer that sets it", () => {
    const local = { ...SAFE_DEFAULTS, timeout: { perTryMs: 1_000, totalMs: 5_000 }, bulkhead: { maxConcurrent: 5 } };
    const central = { destination: { timeout: { totalMs: 2_000 }, retry: { maxAttempts: 2 }, subsets: [] } };
    const layered = layerPolicy(local, central, { retry: { maxAttempts: 1 } });
    expect(layered.timeout).toEqual({ totalMs: 2_000 }); // whole key: perTryMs is not kept from below
    expect(layered.retry).toEqual({ maxAttempts: 1 }); // the app's explicit override wins
    expect(layered.bulkhead).toEqual({ maxConcurrent: 5 }); // unset centrally: local stays
    expect(layered).not.toHaveProperty("subsets");
    expect(layerPolicy(local, null, undefined)).toEqual(local);
  });
});
