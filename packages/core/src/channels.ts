import { channel } from "node:diagnostics_channel";
import type { CallContext } from "./attempt-context.js";
import type { GiveUpReason } from "./retry-engine.js";

/**
 * Message on `outrigger:core:give-up`: a retry engine stopped retrying `call` for `why` (`"budget"`: the retry
 * budget refused the retry); `error` is the error the call fails with.
 */
export interface GiveUpMessage {
  readonly call: CallContext;
  readonly why: GiveUpReason;
  readonly error: unknown;
}

/** The shared primitives' `diagnostics_channel` channels, for telemetry; a `hasSubscribers` check when unused. */
export const coreChannels = {
  giveUp: channel("outrigger:core:give-up"),
} as const;
