import { describe, expect, it, vi } from "vitest";
import { parseRegistration } from "../instance-info.js";
import { Registry } from "../registry.js";
import { fakeClock, registration } from "../test-fixtures.js";
import { SHARED_ANSWER_MAX_AGE_MS, SharedAnswers } from "./shared-answers.js";

describe("shared encoded answers of Consul reads", () => {
  it("builds once per key and registry version for every waiter, again after a change or a second", () => {
    const clock = fakeClock();
    const registry = new Registry({ clock });
    const shared = new SharedAnswers(() => registry.version, clock);
    const build = vi.fn(() => [{ Service: "web", n: registry.size }]);
    const answers = Array.from({ length: 5_000 }, () => shared.get("health:WEB", build));
    expect(build).toHaveBeenCalledTimes(1);
    expect(new Set(answers).size).toBe(1);
    registry.register(parseRegistration(registration("w-1"), "WEB", clock.now()));
    expect(JSON.parse(shared.get("health:WEB", build).toString())).toEqual([{ Service: "web", n: 1 }]);
    expect(build).toHaveBeenCalledTimes(2);
    clock.advance(SHARED_ANSWER_MAX_AGE_MS);
    shared.get("health:WEB", build);
    expect(build).toHaveBeenCalledTimes(3);
    shared.get("catalog:WEB", build);
    expect(build).toHaveBeenCalledTimes(4);
  });
});
