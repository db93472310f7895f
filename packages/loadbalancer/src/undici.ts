export type { AttemptPolicy } from "./attempt-policy.js";
export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
export { createLbDispatcher, LbDispatcher, type LbDispatcherOptions } from "./undici-dispatcher.js";
