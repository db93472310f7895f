import type { AttemptContext, CallContext } from "./attempt-context.js";
import { type AbortSource, neverAborted } from "./follow-abort.js";
import type { Settles } from "./open-promise.js";
import type { RetryEngine } from "./retry-engine.js";
import { pipeInto, type SinkTask, taskPromise } from "./sink.js";

/**
 * What `engine.run(fn, call, signal)` does, for a task that reports to a sink (`SinkTask`): the first attempt runs
 * with this object as its sink, so a call that succeeds at once makes no promise; only its failure starts the
 * engine's retry loop (`retryAfter`), whose later attempts are promises (`taskPromise`), and the loop's outcome
 * goes to `sink`. One budget deposit, as `run` makes.
 */
export function retryInto<T>(
  engine: RetryEngine,
  task: SinkTask<T>,
  sink: Settles<T>,
  call: CallContext,
  signal: AbortSource = neverAborted,
): void {
  engine.budget?.deposit();
  const first = new FirstAttempt(engine, task, sink, call, signal);
  try {
    task(first.context, first);
  } catch (error) {
    first.reject(error);
  }
}

/** The first attempt's sink: a value goes straight out; a failure enters the engine's retry loop. */
class FirstAttempt<T> implements Settles<T> {
  readonly context: AttemptContext;
  #settled = false;

  constructor(
    private readonly engine: RetryEngine,
    private readonly task: SinkTask<T>,
    private readonly sink: Settles<T>,
    private readonly call: CallContext,
    private readonly signal: AbortSource,
  ) {
    this.context = engine.firstAttempt(call, signal);
  }

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.sink.resolve(value);
  }

  reject(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    // In a microtask, as `run`'s rejection handler starts the loop: a sink may be told inside a timer's or a
    // socket's callback, and a retry without backoff must not start its attempt from within it.
    queueMicrotask(() => this.#retry(error));
  }

  #retry(error: unknown): void {
    const { task } = this;
    const rest = this.engine.retryAfter(
      (context) => taskPromise(task, context),
      this.call,
      this.context,
      error,
      this.signal,
    );
    pipeInto(rest, this.sink);
  }
}
