// Type-checked by `pnpm typecheck` (tsconfig includes src) and run by vitest: the README's zod usage must compile
// and work with both zod majors. With zod 4 this failed to type-check (TS2322: zod 4's issue paths are
// PropertyKey[], which our SchemaIssue did not accept).

import { describe, expect, it } from "vitest";
import { z as z3 } from "zod";
import { z as z4 } from "zod4";
import { liveOn, mountPerTest } from "./live-config.fixture.js";
import type { LiveConfig } from "./live-config.js";

const each = mountPerTest<LiveConfig<unknown>>({
  "default.json": { retry: { maxAttempts: 3 }, server: { port: 8080 } },
});

const zod3Schema = z3.object({
  retry: z3.object({ maxAttempts: z3.number().int().min(1).max(10) }),
  server: z3.object({ port: z3.number().int() }),
});
const zod4Schema = z4.object({
  retry: z4.object({ maxAttempts: z4.number().int().min(1).max(10) }),
  server: z4.object({ port: z4.number().int() }),
});

describe("createLiveConfig with zod schemas, as the README shows", () => {
  it("zod 3: the value is typed by the schema", () => {
    const live = liveOn(each, { schema: zod3Schema, restartOnly: ["server.port"] });
    const attempts: number = live.value.retry.maxAttempts;
    expect(attempts).toBe(3);
  });

  it("zod 4: the value is typed by the schema", () => {
    const live = liveOn(each, { schema: zod4Schema, restartOnly: ["server.port"] });
    const port: number = live.value.server.port;
    expect(port).toBe(8080);
    expect(live.get<number>("retry.maxAttempts")).toBe(3);
  });

  it("zod 4: a bad file is refused with CONFIG_INVALID naming the path", () => {
    const schema = z4.object({ retry: z4.object({ maxAttempts: z4.number().int().min(5) }) });
    expect(() => liveOn(each, { schema })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID", path: "retry.maxAttempts" }),
    );
  });
});
