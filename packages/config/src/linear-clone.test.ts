import nodeConfig from "config/lib/util.js";
import { describe, expect, it } from "vitest";
import { withLinearClone } from "./linear-clone.js";

const { Util } = nodeConfig;

describe("withLinearClone", () => {
  it("clones as node-config does: shared and circular references, dates, regexps, accessors, depth", () => {
    const shared = { a: 1 };
    const source: Record<string, unknown> = {
      one: shared,
      two: shared,
      list: [shared, { when: new Date(5), re: /x/g }],
      get computed() {
        return 42;
      },
      deep: { l1: { l2: { l3: "leaf" } } },
    };
    source.self = source;
    const ours = withLinearClone(() => Util.cloneDeep(source)) as Record<string, unknown>;
    const theirs = Util.cloneDeep(source) as Record<string, unknown>;
    expect(ours).toEqual(theirs);
    expect(ours).not.toBe(source);
    expect(ours.one).toBe(ours.two); // sharing kept, as node-config keeps it
    expect(ours.self).toBe(ours);
    expect(Object.getOwnPropertyDescriptor(ours, "computed")?.get).toBeTypeOf("function");
    const [, inner] = ours.list as [unknown, { when: Date; re: RegExp }];
    expect(inner.when).not.toBe((source.list as [unknown, { when: Date }])[1].when);
    expect(inner.re.flags).toBe("g");
    // The depth limit: below it, values are shared, not copied.
    const shallow = withLinearClone(() => Util.cloneDeep(source, 2)) as { deep: { l1: unknown } };
    expect(shallow.deep.l1).toBe((source.deep as { l1: unknown }).l1);
  });

  it("is linear: 200 000 objects clone in one pass, and node-config's own clone is back afterwards", () => {
    const original = Util.cloneDeep;
    const big = { list: Array.from({ length: 200_000 }, (_, i) => ({ i })) };
    const copy = withLinearClone(() => Util.cloneDeep(big)) as typeof big;
    expect(copy.list).toHaveLength(200_000);
    expect(copy.list[199_999]).toEqual({ i: 199_999 });
    expect(Util.cloneDeep).toBe(original);
  });
});
