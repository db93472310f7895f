// The public face: one call for OpenTelemetry, one for Prometheus (also at `./prometheus`, which needs prom-client).
export { isTelemetryError, TelemetryError, type TelemetryErrorCode } from "./errors.js";
export { type Instrumentation, type InstrumentOptions, instrumentOutrigger, SCOPE } from "./instrument.js";
export { DURATION_BUCKETS } from "./semconv.js";
