export { abortable } from "./abortable.js";
export { type AtomicWriteOptions, sweepTempFiles, writeFileAtomic } from "./atomic-file.js";
export {
  Attempt,
  type AttemptContext,
  abortSourceOf,
  attemptContext,
  type CallContext,
  type CallDeclaration,
  callOf,
  describeCall,
  isCallCancelled,
  isIdempotentMethod,
  type RetryDecider,
  signalOf,
  unknownCall,
} from "./attempt-context.js";
export {
  classifyFailure,
  type FailureKind,
  isAxiosTimeout,
  markRequestSent,
  requestSentOf,
  retryAfterMsOf,
  statusOf,
} from "./attempt-failure.js";
export { readBoundedFile, readBoundedFileSync } from "./bounded-file.js";
export { coreChannels, type GiveUpMessage } from "./channels.js";
export { type Clock, monotonicClock, wallClock } from "./clock.js";
export { DeadlineQueue, type Expiring } from "./deadline-queue.js";
export { errorGuard, isOutriggerError, OutriggerError, type OutriggerErrorOptions } from "./error.js";
export { type Disposable, type Event, EventSource, type ListenerErrorHandler } from "./event.js";
export { type AbortSource, type Cancellation, followAbort, isCancellation, neverAborted } from "./follow-abort.js";
export { afterIo, setIoTimeout } from "./io-timeout.js";
export { LazyAbort } from "./lazy-abort.js";
export { isLocalLag, LOCAL_LAG_THRESHOLD_MS, markTimerLate, timerLateMsOf } from "./local-lag.js";
export { openPromise, type Settles } from "./open-promise.js";
export { checkNumber, checkOptionalNumber, type NumberRule } from "./option.js";
export { type Random, seededRandom } from "./random.js";
export { REDACTED, redactSecrets, redactUrl } from "./redact.js";
export {
  attemptErrorsOf,
  type BackoffKind,
  type GiveUpEvent,
  type GiveUpReason,
  type RetryBudgetLike,
  RetryEngine,
  type RetryEngineOptions,
  type RetryEvent,
  type RetryVerdict,
} from "./retry-engine.js";
export { retryInto } from "./retry-into.js";
export { RULE_NAMES, type RuleName } from "./rule-names.js";
export {
  type Executes,
  executeVia,
  pipeInto,
  RUN_INTO,
  type RunsInto,
  runnerOf,
  runOn,
  type SinkTask,
  settleInto,
  taskPromise,
} from "./sink.js";
export { clampTimerDelay, MAX_TIMER_DELAY_MS, setLongTimeout } from "./timer.js";
