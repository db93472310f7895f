export type { AttemptPolicy } from "./attempt-policy.js";
export { createLbCall, type LbCall } from "./lb-call.js";
export { withLbCall } from "./lb-call-dispatcher.js";
export type { RetryBudgetLike, RetryOptions } from "./retry-decision.js";
export { createLbDispatcher, type LbDispatcher, type LbDispatcherOptions } from "./undici-dispatcher.js";
export { installGlobalDispatcher } from "./undici-global.js";
export {
  type ControllerHandler,
  type DispatchController,
  type HandlerRequest,
  legacyHandlerOf,
} from "./undici-handler-shape.js";
