import { describe, expect, it } from "vitest";
import { isOutriggerNodeError, OutriggerNodeError } from "../errors.js";
import { InboundError, isInboundError } from "./errors.js";
import { createInbound } from "./index.js";

describe("one error class for @outrigger/node", () => {
  it("createInbound's bad option is an OutriggerNodeError, and isInboundError still recognises it", () => {
    const thrown = (() => {
      try {
        createInbound({ rateLimit: { requestsPerSecond: -1 } });
      } catch (error) {
        return error;
      }
    })();
    expect(isOutriggerNodeError(thrown)).toBe(true);
    expect(thrown).toBeInstanceOf(OutriggerNodeError);
    expect(isInboundError(thrown)).toBe(true);
    expect((thrown as OutriggerNodeError).code).toBe("OUTRIGGER_INVALID_OPTION");
  });

  it("the deprecated InboundError name still constructs and matches", () => {
    const error = new InboundError("OUTRIGGER_DRAINING", "draining");
    expect(error).toBeInstanceOf(OutriggerNodeError);
    expect(isInboundError(error)).toBe(true);
    expect(isOutriggerNodeError(error)).toBe(true);
  });
});
