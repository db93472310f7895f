/** Longest duration a policy takes: 24 h (a longer timeout or ejection is a typo, not a policy). */
export const MAX_DURATION_MS = 86_400_000;

/** What a bad duration is told: the forms `parseDuration` reads. */
export const DURATION_HINT = "must be a duration such as 250ms, 1.5s or 2m (at most 24h)";

/**
 * Milliseconds of a duration as Istio and protobuf JSON write it (`250ms`, `1.5s`, `2m`, `1h`), rounded to a whole
 * millisecond; undefined when the text is not one, or is longer than `MAX_DURATION_MS`. The Istio translator turns
 * every Istio duration into the model's `…Ms` integers with it.
 */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const match = /^(\d{1,9}(?:\.\d{1,9})?)(ms|s|m|h)$/.exec(text);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  const ms = Math.round(Number(match[1]) * unit);
  return ms > MAX_DURATION_MS ? undefined : ms;
}
