export { type Clock, monotonicClock, wallClock } from "./clock.js";
export { errorGuard, isOutriggerError, OutriggerError, type OutriggerErrorOptions } from "./error.js";
export { type Disposable, type Event, EventSource, type ListenerErrorHandler } from "./event.js";
export { checkNumber, checkOptionalNumber, type NumberRule } from "./option.js";
export { REDACTED, redactSecrets, redactUrl } from "./redact.js";
export { clampTimerDelay, MAX_TIMER_DELAY_MS, setLongTimeout } from "./timer.js";
