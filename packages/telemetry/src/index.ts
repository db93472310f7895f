// The public face: one call for OpenTelemetry (and a MetricProducer for its cheaper metrics), one for Prometheus (also at `./prometheus`, which needs prom-client),
// one for the fleet view's live stream.
export { isTelemetryError, TelemetryError, type TelemetryErrorCode } from "./errors.js";
export type { DestinationFigures } from "./fleet-figures.js";
export {
  createFleetStream,
  DEFAULT_FLEET_PATH,
  FLEET_STREAM_METADATA,
  type FleetStream,
  type FleetStreamOptions,
  type FleetUpdate,
} from "./fleet-stream.js";
export { type Instrumentation, type InstrumentOptions, instrumentOutrigger, SCOPE } from "./instrument.js";
export { createMetricProducer, type OutriggerMetricProducer } from "./metric-producer.js";
export { DURATION_BUCKETS } from "./semconv.js";
