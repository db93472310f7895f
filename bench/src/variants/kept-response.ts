import { AsyncLocalStorage } from "node:async_hooks";
import type { Outcome, Pick } from "@outrigger/loadbalancer";

/** One call's attempt whose failure is held until the call retries (not judged) or ends (judged). */
interface Held {
  pick: Pick | undefined;
  outcome: Outcome | undefined;
}

/**
 * Makes the SDK's outlier detector judge what HAProxy's `observe layer7` judges: only the response a call keeps.
 *
 * HAProxy (`src/http_ana.c`, `http_wait_for_response`) performs an L7 retry (`retry-on 503`, `response-timeout`)
 * and returns *before* `health_adjust()`, so a retried 503 or timeout never counts toward `error-limit`; only the
 * response it forwards does (connection failures are judged on every attempt, in `back_handle_st_cer`). The SDK
 * judges every attempt, as Envoy's router does (`source/common/router/router.cc`, `onUpstreamHeaders` calls
 * `putHttpResponseCode` before `shouldRetryHeaders`). With retries on, the SDK therefore counts up to `maxAttempts`
 * failures per request where HAProxy counts one: under overload that ejects every instance within milliseconds
 * (bench run 2026-11-30-full-1: LB_PANIC on ~97% of calls). The SDK has no option for HAProxy's rule yet, so the
 * bench's matched arms apply it here, around the balancer: a status or timeout failure is held until the same call
 * picks again (a retry followed: the attempt is reported `cancelled`, judged by nobody, as HAProxy) or the call ends
 * (it is the kept response: reported as it was).
 */
export class KeptResponseJudge {
  readonly #calls = new AsyncLocalStorage<Held>();

  /** Runs one call; picks made inside it (across awaits) belong to it. */
  async call<T>(send: () => Promise<T>): Promise<T> {
    const held: Held = { pick: undefined, outcome: undefined };
    try {
      return await this.#calls.run(held, send);
    } finally {
      release(held, false);
    }
  }

  /** Wraps a pick made by the current call (outside any call: unchanged). */
  wrap(pick: Pick): Pick {
    const held = this.#calls.getStore();
    if (!held) return pick;
    release(held, true);
    return {
      instance: pick.instance,
      done(outcome: Outcome): void {
        if (outcome.kind === "failure" && (outcome.reason === "status" || outcome.reason === "timeout")) {
          held.pick = pick;
          held.outcome = outcome;
        } else pick.done(outcome);
      },
    };
  }
}

/** Reports the held failure: as `cancelled` when the call retried, as it was when it is the call's last. */
function release(held: Held, retried: boolean): void {
  const { pick, outcome } = held;
  if (!pick || !outcome) return;
  held.pick = undefined;
  held.outcome = undefined;
  pick.done(retried ? { kind: "cancelled" } : outcome);
}
