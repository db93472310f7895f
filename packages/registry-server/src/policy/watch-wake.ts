import type { PolicyService } from "./policy-service.js";

/**
 * A signal for a held watch of `app` that also aborts when the app's policy changes, so the watch answers with the
 * new policy at once; `stop()` ends the subscription when the watch is answered.
 */
export function policyWakeSignal(
  policies: PolicyService | undefined,
  app: string,
  signal: AbortSignal,
): { signal: AbortSignal; stop: () => void } {
  if (!policies) return { signal, stop: () => {} };
  const wake = new AbortController();
  const name = app.toUpperCase();
  const stop = policies.store.onChange(({ record }) => {
    if (record.service === name) wake.abort();
  });
  return { signal: AbortSignal.any([signal, wake.signal]), stop };
}

/** The policy part of a watch answer: the service's current record, or null when it has none. */
export function watchPolicy(policies: PolicyService | undefined, app: string): unknown {
  const record = policies?.store.get(app);
  return record && record.policy !== null ? record : null;
}
