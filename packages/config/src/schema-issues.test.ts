import { describe, expect, it } from "vitest";
import { z as z3 } from "zod";
import { z as z4 } from "zod4";
import { explainIssues } from "./schema-issues.js";

// Config accepts zod 3 and 4 schemas (schema.ts); @outrigger/node's is zod 4.
describe.each([
  ["zod 3", z3 as unknown as typeof z4],
  ["zod 4", z4],
])("explainIssues with %s (newcomer report: a misspelt key hidden behind '(and 1 more)')", (_name, z) => {
  const retry = z.object({ maxAttempts: z.number(), initialDelayMs: z.number().optional() }).strict();
  const breaker = z.union([
    z.literal(false),
    z.object({ kind: z.literal("consecutive"), threshold: z.number(), halfOpenAfterMs: z.number() }).strict(),
  ]);
  const schema = z.object({ retry: retry.optional(), circuitBreaker: breaker.optional() }).strict();

  function explain(input: unknown) {
    const result = schema.safeParse(input);
    if (result.success) throw new Error("expected a failed parse");
    return explainIssues(result.error.issues);
  }

  it("puts a misspelt key before the required key it leaves missing", () => {
    const { issues, summary } = explain({ retry: { attempts: 2 } });
    expect(issues[0]).toEqual({ path: "retry", message: expect.stringMatching(/^Unrecognized key.*attempts/) });
    expect(summary).toMatch(/^Unrecognized key.*attempts.*; at "retry\.maxAttempts": /);
  });

  it("says what a union's matching branch lacks instead of a bare 'Invalid input'", () => {
    const { issues } = explain({ circuitBreaker: { kind: "consecutive", threshold: 5 } });
    expect(issues).toEqual([
      { path: "circuitBreaker.halfOpenAfterMs", message: expect.stringMatching(/[Rr]equired|expected number/) },
    ]);
  });

  it("keeps the union's own issue when no branch matched the shape", () => {
    const { issues } = explain({ circuitBreaker: "yes" });
    expect(issues).toEqual([{ path: "circuitBreaker", message: "Invalid input" }]);
  });

  it("shows two more issues and counts the rest", () => {
    const many = z.object({ a: z.number(), b: z.number(), c: z.number(), d: z.number() });
    const result = many.safeParse({});
    if (result.success) throw new Error("expected a failed parse");
    const { summary } = explainIssues(result.error.issues);
    expect(summary).toMatch(/; at "b": .*; at "c": .* \(and 1 more\)$/);
  });
});
