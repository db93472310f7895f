import { errorGuard, OutriggerError } from "@outrigger/core";

/** Stable codes of the telemetry package's errors; see ERRORS.md at the repository root. */
export type TelemetryErrorCode =
  | "TELEMETRY_METRIC_EXISTS"
  | "TELEMETRY_INVALID_OPTION"
  | "TELEMETRY_STREAM_UNAUTHORIZED"
  | "TELEMETRY_TOO_MANY_STREAMS";

/** An error of @outrigger/telemetry, with a stable `code` (an `OutriggerError` from `@outrigger/core`). */
export class TelemetryError extends OutriggerError<TelemetryErrorCode> {
  override readonly name = "TelemetryError";
}

/** True for a TelemetryError, even one from another copy of this package. */
export const isTelemetryError = errorGuard<TelemetryError>("TelemetryError");
