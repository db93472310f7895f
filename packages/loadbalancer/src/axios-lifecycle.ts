import { LbError } from "./errors.js";
import { OpenCalls, type OpenSlot } from "./open-calls.js";

/**
 * The open/closed state of one `createLbAxios` client: the `lb://` requests it has started whose callers have not
 * heard yet, and its `close()`. Closing refuses new requests (LB_CLOSED), waits until every open request has been
 * answered or has failed — undici's `close()` rule (nodejs/undici lib/dispatcher/dispatcher-base.js: it resolves
 * after the requests in flight and queued) — then lets go of what the client made (`release`: its lb dispatcher and
 * pools, its timeout queues). Idempotent: every `close()` returns the same promise.
 */
export class LbAxiosLifecycle {
  readonly #open = new OpenCalls<OpenSlot>();
  readonly #release: () => Promise<void>;
  #closing: Promise<void> | undefined;

  constructor(release: () => Promise<void>) {
    this.#release = release;
  }

  /** True from the first `close()` on: requests are refused. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The error of a request sent after `close()`. */
  refusal(): Promise<never> {
    return Promise.reject(
      new LbError("LB_CLOSED", "This lb axios client was closed: make a new one with createLbAxios"),
    );
  }

  /** `request`, counted open until it settles (the caller's promise is `request` itself, untouched). */
  track<T>(request: Promise<T>): Promise<T> {
    const entry: OpenSlot = { openSlot: -1 };
    this.#open.add(entry);
    const done = () => this.#open.delete(entry);
    request.then(done, done);
    return request;
  }

  /** See the class: resolves once every caller has heard and what the client made is closed. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#open.drained();
    // The callers' own promise chains (axios' interceptors and transforms after the adapter) settle in microtasks:
    // one turn of the loop later every one of them has run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.#release();
  }
}
