export type { AttemptPolicy } from "./attempt-policy.js";
export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
export { createLbDispatcher, type LbDispatcher, type LbDispatcherOptions } from "./undici-dispatcher.js";
