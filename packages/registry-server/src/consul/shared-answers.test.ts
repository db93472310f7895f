import { describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { fakeClock, registration } from "../test-fixtures.js";
import {
  SHARED_ANSWER_MAX_AGE_MS,
  SHARED_ANSWER_MAX_BYTES,
  SHARED_ANSWER_MAX_ENTRIES,
  SharedAnswers,
} from "./shared-answers.js";

describe("shared encoded answers of Consul reads", () => {
  it("builds once per key and registry version for every waiter, again after a change or a second", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const shared = new SharedAnswers(() => registry.version, clock);
    const build = vi.fn(() => [{ Service: "web", n: registry.size }]);
    const answers = Array.from({ length: 5_000 }, () => shared.get("health:WEB", build));
    expect(build).toHaveBeenCalledTimes(1);
    expect(new Set(answers).size).toBe(1);
    registry.register(parseRegistration(registration("w-1", { app: "WEB" }), "WEB", clock.now()));
    expect(JSON.parse(shared.get("health:WEB", build).toString())).toEqual([{ Service: "web", n: 1 }]);
    expect(build).toHaveBeenCalledTimes(2);
    clock.advance(SHARED_ANSWER_MAX_AGE_MS);
    shared.get("health:WEB", build);
    expect(build).toHaveBeenCalledTimes(3);
    shared.get("catalog:WEB", build);
    expect(build).toHaveBeenCalledTimes(4);
  });

  it("keeps at most SHARED_ANSWER_MAX_ENTRIES answers and SHARED_ANSWER_MAX_BYTES bytes, and still answers past them", () => {
    const clock = fakeClock();
    let version = 1;
    const shared = new SharedAnswers(() => version, clock);
    for (let i = 0; i < SHARED_ANSWER_MAX_ENTRIES + 500; i += 1) {
      expect(shared.get(`tag:${i}`, () => [i]).toString()).toBe(`[${i}]`);
    }
    expect(shared.size).toBe(SHARED_ANSWER_MAX_ENTRIES);
    version += 1;
    const big = "x".repeat(SHARED_ANSWER_MAX_BYTES / 4);
    for (let i = 0; i < 8; i += 1) expect(shared.get(`big:${i}`, () => big).length).toBe(big.length + 2);
    expect(shared.size).toBe(3);
  });
});
