// The registry's defaults, with where each comes from.

/** Eureka keeps three minutes of changes for `apps/delta`. */
export const DEFAULT_DELTA_RETENTION_MS = 180_000;

/**
 * The delta window holds at most 10 000 changes (about 10 MB; dropped ones are released in batches, so up to twice
 * that is held for a moment) however fast they come: Eureka bounds it by age only
 * (`retentionTimeInMSInDeltaQueue`), and 50 000 register/cancel pairs then held 92 MB for three minutes. A client
 * whose delta misses a dropped change sees the `apps__hashcode` differ and does a full fetch, as Eureka clients do.
 */
export const DEFAULT_MAX_DELTA_ENTRIES = 10_000;

/** Eureka's default lease (`Lease.DEFAULT_DURATION_IN_SECS`): an instance not renewed for 90 s is expired. */
export const DEFAULT_LEASE_DURATION_MS = 90_000;
