import type { AttemptContext, CallContext } from "./attempt-context.js";
import { openPromise, type Settles } from "./open-promise.js";

/**
 * Where a policy keeps its promise-free way to run a call (`RunsInto`): this package's retry engine, the
 * resilience package's timeout, guards and compositions, read by the lb undici dispatcher. Not part of a policy's
 * public shape — `execute` is; a policy without it is run through `execute` (`runOn`).
 */
export const RUN_INTO: unique symbol = Symbol("outrigger.core.runInto");

/**
 * An attempt that reports its outcome to `sink` — `sink.resolve(value)` or `sink.reject(error)`, once, called as
 * methods — instead of returning a promise. A synchronous throw counts as `reject`.
 */
export type SinkTask<T> = (context: AttemptContext, sink: Settles<T>) => void;

/**
 * A policy that can run `task` and report the call's outcome to `sink` without a promise of its own: on the path
 * where the call succeeds at once, a composition of such layers makes no promise at all (each layer's `execute`
 * made one or two). Same admissions, timeouts, retries and events as the layer's `execute`.
 */
export interface RunsInto {
  [RUN_INTO]<T>(
    task: SinkTask<T>,
    sink: Settles<T>,
    signal: AbortSignal | undefined,
    call: CallContext | undefined,
  ): void;
}

/** What `runOn` needs of a policy that lacks `RUN_INTO`: the `Policy` shape (cockatiel's has it too). */
export interface Executes {
  execute<T>(
    fn: (context: { readonly signal: AbortSignal }) => PromiseLike<T> | T,
    signal?: AbortSignal,
    call?: CallContext,
  ): PromiseLike<T>;
}

/** The policy's `RUN_INTO`, if it has one. */
export const runnerOf = (policy: object): RunsInto | undefined =>
  RUN_INTO in policy ? (policy as RunsInto) : undefined;

/**
 * Runs `task` under `policy` with its outcome into `sink`: through the policy's `RUN_INTO` when it has one, else
 * through its `execute` (a cockatiel policy, a user's own), each attempt then one promise (`taskPromise`). Such a
 * policy may hand its attempts only `{ signal, attempt }` (cockatiel's context): a task run here must not count on
 * more than that (`abortSourceOf`, `instanceof Attempt`).
 */
export function runOn<T>(
  policy: Executes,
  task: SinkTask<T>,
  sink: Settles<T>,
  signal: AbortSignal | undefined,
  call: CallContext | undefined,
): void {
  const runner = runnerOf(policy);
  if (runner) {
    runner[RUN_INTO](task, sink, signal, call);
    return;
  }
  let running: PromiseLike<T>;
  try {
    running = policy.execute((context) => taskPromise(task, context as AttemptContext), signal, call);
  } catch (error) {
    sink.reject(error);
    return;
  }
  pipeInto(running, sink);
}

/** `promise`'s outcome, when it settles, into `sink`: where a promise-made step hands back to the sink path. */
export function pipeInto<T>(promise: PromiseLike<T>, sink: Settles<T>): void {
  promise.then(
    (value) => sink.resolve(value),
    (error: unknown) => sink.reject(error),
  );
}

/** A promise's settle functions, filled in by `openPromise`. */
class Pending<T> implements Settles<T> {
  resolve: (value: T) => void = noop;
  reject: (error: unknown) => void = noop;
}

const noop = (): void => undefined;

/** `task`'s outcome as a promise, for a caller that must have one (a retry's later attempts, `execute`). */
export function taskPromise<T>(task: SinkTask<T>, context: AttemptContext): Promise<T> {
  const pending = new Pending<T>();
  const promise = openPromise(pending);
  try {
    task(context, pending);
  } catch (error) {
    pending.reject(error);
  }
  return promise;
}

/**
 * Runs promise-returning (or plain) `fn` as a task: its value or rejection, a microtask later as `Promise.resolve(…)
 * .then` delivers it, goes to `sink`; a synchronous throw at once.
 */
export function settleInto<T>(
  fn: (context: AttemptContext) => PromiseLike<T> | T,
  context: AttemptContext,
  sink: Settles<T>,
): void {
  let result: PromiseLike<T> | T;
  try {
    result = fn(context);
  } catch (error) {
    sink.reject(error);
    return;
  }
  pipeInto(Promise.resolve(result), sink);
}

/**
 * `execute` for a policy that has `RUN_INTO` (`runner`): `fn` runs as a task, and the outcome is one promise. A
 * layer written once, as a sink, serves both ways.
 */
export function executeVia<T>(
  runner: RunsInto,
  fn: (context: AttemptContext) => PromiseLike<T> | T,
  signal: AbortSignal | undefined,
  call: CallContext | undefined,
): Promise<T> {
  const pending = new Pending<T>();
  const promise = openPromise(pending);
  try {
    runner[RUN_INTO]((context, sink) => settleInto(fn, context, sink), pending, signal, call);
  } catch (error) {
    pending.reject(error);
  }
  return promise;
}
