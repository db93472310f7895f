/** What every attempt receives: a signal that aborts when the policy gives up on it. */
export interface AttemptContext {
  readonly signal: AbortSignal;
}

/**
 * The one shape every policy has (cockatiel's): run `fn`, perhaps several times, under `signal`.
 * Policies compose with `composePolicies`, first outermost.
 */
export interface Policy {
  execute<T>(fn: (context: AttemptContext) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T>;
}
