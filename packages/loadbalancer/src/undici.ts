export type { AttemptPolicy } from "./attempt-policy.js";
export { createLbCall, type LbCall } from "./lb-call.js";
export { withLbCall } from "./lb-call-dispatcher.js";
export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
export { createLbDispatcher, type LbDispatcher } from "./undici-dispatcher.js";
export type { LbDispatcherOptions } from "./undici-dispatcher-options.js";
export { installGlobalDispatcher } from "./undici-global.js";
export {
  type ControllerHandler,
  type DispatchController,
  type HandlerRequest,
  legacyHandlerOf,
} from "./undici-handler-shape.js";
