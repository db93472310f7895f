import type { Duplex } from "node:stream";
import { type Dispatcher, errors, util } from "undici";

/**
 * What a controller-shaped handler is given to steer its request (undici ≥ 7's `DispatchController`): abort it,
 * pause and resume the answer's body, and — as undici 8's own parsers supply — the answer's raw header and trailer
 * lines (`Buffer` name/value pairs), which Node 26's `fetch` reads to keep header names as sent.
 */
export interface DispatchController {
  abort(reason: Error): void;
  pause(): void;
  resume(): void;
  readonly aborted: boolean;
  readonly paused: boolean;
  readonly reason: Error | null;
  readonly rawHeaders: readonly Buffer[] | undefined;
  readonly rawTrailers: readonly Buffer[] | undefined;
}

/** Header lines parsed as undici parses them: lower-case names, a repeated name's values in an array. */
type ParsedHeaders = Record<string, string | string[]>;

/**
 * The handler shape of undici ≥ 7 (`onRequestStart`, `onResponseStart`, `onResponseData`, `onResponseEnd`,
 * `onResponseError`, `onRequestUpgrade`, each given the request's controller). undici 8 — Node 26's bundled
 * `fetch` — hands only this shape to a dispatcher (nodejs/undici lib/web/fetch/index.js `dispatch`).
 */
export interface ControllerHandler {
  onRequestStart?(controller: DispatchController, context: unknown): void;
  onRequestUpgrade?(controller: DispatchController, statusCode: number, headers: ParsedHeaders, socket: Duplex): void;
  onResponseStarted?(): void;
  onResponseStart?(controller: DispatchController, statusCode: number, headers: ParsedHeaders, text: string): void;
  onResponseData?(controller: DispatchController, chunk: Buffer): void;
  onResponseEnd?(controller: DispatchController, trailers: ParsedHeaders): void;
  onResponseError?(controller: DispatchController, error: Error): void;
  onBodySent?(chunkSize: number, totalBytesSent: number): void;
}

class BridgeController implements DispatchController {
  #abort: (reason?: Error) => void = () => {};
  #resume: (() => void) | undefined;
  #aborted = false;
  #paused = false;
  #reason: Error | null = null;
  rawHeaders: Buffer[] | undefined;
  rawTrailers: Buffer[] | undefined;

  connect(abort: (reason?: Error) => void): void {
    this.#abort = abort;
  }

  heard(rawHeaders: Buffer[], resume: () => void): void {
    this.rawHeaders = rawHeaders;
    this.#resume = resume;
  }

  abort(reason: Error): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#abort(reason);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#resume?.();
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }
}

const parsed = (lines: readonly (Buffer | string)[] | null | undefined): ParsedHeaders =>
  lines ? util.parseHeaders(lines as Buffer[]) : {};

/**
 * The undici 6 callbacks this dispatcher drives, in front of a controller-shaped handler. The rules of undici's own
 * bridge between the shapes (nodejs/undici lib/handler/unwrap-handler.js): one controller per request; `pause()`
 * in a callback is `false` from `onHeaders`/`onData`, `resume()` calls undici's resume; headers are parsed to an
 * object. The argument order is undici 8's (`statusCode, headers, statusMessage`), and the raw lines ride on the
 * controller as undici 8's parsers put them there.
 */
class ControllerBridge implements Dispatcher.DispatchHandlers {
  readonly #handler: ControllerHandler;
  readonly #controller = new BridgeController();

  constructor(handler: ControllerHandler) {
    this.#handler = handler;
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.#controller.connect(abort);
    this.#handler.onRequestStart?.(this.#controller, {});
  }

  onBodySent(chunkSize: number, totalBytesSent: number): void {
    this.#handler.onBodySent?.(chunkSize, totalBytesSent);
  }

  onResponseStarted(): void {
    this.#handler.onResponseStarted?.();
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    this.#controller.heard(rawHeaders, resume);
    this.#handler.onResponseStart?.(this.#controller, statusCode, parsed(rawHeaders), statusText);
    return !this.#controller.paused;
  }

  onData(chunk: Buffer): boolean {
    this.#handler.onResponseData?.(this.#controller, chunk);
    return !this.#controller.paused;
  }

  onComplete(rawTrailers: string[] | null): void {
    this.#controller.rawTrailers = (rawTrailers ?? []) as unknown as Buffer[];
    this.#handler.onResponseEnd?.(this.#controller, parsed(rawTrailers));
  }

  onError(error: Error): void {
    this.#handler.onResponseError?.(this.#controller, error);
  }

  onUpgrade(statusCode: number, rawHeaders: Buffer[] | string[] | null, socket: Duplex): void {
    this.#controller.rawHeaders = (rawHeaders ?? []) as Buffer[];
    this.#handler.onRequestUpgrade?.(this.#controller, statusCode, parsed(rawHeaders), socket);
  }
}

/** What each shape must have to hear its request's end (undici 6's `validateHandler`, undici 8's `assertRequestHandler`). */
const REQUIRED = {
  legacy: ["onError", "onHeaders", "onData", "onComplete"],
  legacyUpgrade: ["onError", "onUpgrade"],
  controller: ["onResponseError", "onResponseStart", "onResponseData", "onResponseEnd"],
  controllerUpgrade: ["onResponseError", "onRequestUpgrade"],
} as const;

/** Callbacks only the controller shape has: one of them marks a handler as that shape. */
const CONTROLLER_MARKS = ["onRequestStart", "onResponseStart", "onRequestUpgrade", "onResponseError"] as const;

/** The request's options that decide which callbacks hear its answer (undici's `upgrade`, `method`). */
export interface HandlerRequest {
  readonly upgrade?: unknown;
  readonly method?: unknown;
}

/** The first of `names` that is not a function on `handler`. */
function missingOf(handler: object, names: readonly string[]): string | undefined {
  for (const name of names) if (typeof (handler as Record<string, unknown>)[name] !== "function") return name;
  return undefined;
}

/**
 * `handler` as the undici 6 callbacks (`onConnect`, `onHeaders`, `onData`, `onComplete`, `onError`) this package's
 * dispatchers drive: itself when it has them; bridged when it has undici ≥ 7's controller shape — what Node 26's
 * `fetch` (undici 8) passes, where a dispatcher that only called the old callbacks left the request hanging
 * (xen-orchestra#10411, vercel#17629: an npm undici's dispatcher given to Node 26's `fetch`). `request`: its
 * options; an upgrade or CONNECT (undici's rule) is heard by `onUpgrade`/`onRequestUpgrade` instead of the answer's
 * callbacks. Throws undici's
 * `InvalidArgumentError` (UND_ERR_INVALID_ARG) naming the first callback missing, as undici's own checks do, for a
 * handler that could not hear its request's end — rather than a request nobody hears the end of.
 */
export function legacyHandlerOf(
  handler: Dispatcher.DispatchHandlers | ControllerHandler,
  request: HandlerRequest = {},
): Dispatcher.DispatchHandlers {
  if (!handler || typeof handler !== "object") throw new errors.InvalidArgumentError("handler must be an object");
  const upgrade = Boolean(request.upgrade) || request.method === "CONNECT";
  // Every request comes here: undici 6's own handlers (`request`, `stream`, Node 20–24's `fetch`) pass by named
  // reads, which stay inline-cached per handler class; the keyed loop below (`handler[name]`) is for the rest.
  const legacy = handler as Partial<Dispatcher.DispatchHandlers>;
  if (
    !upgrade &&
    typeof legacy.onError === "function" &&
    typeof legacy.onHeaders === "function" &&
    typeof legacy.onData === "function" &&
    typeof legacy.onComplete === "function"
  )
    return legacy as Dispatcher.DispatchHandlers;
  const legacyMissing = missingOf(handler, upgrade ? REQUIRED.legacyUpgrade : REQUIRED.legacy);
  if (legacyMissing === undefined) return handler as Dispatcher.DispatchHandlers;
  // No controller callback at all: an undici 6 handler missing one of its own.
  if (!CONTROLLER_MARKS.some((name) => typeof (handler as Record<string, unknown>)[name] === "function"))
    throw new errors.InvalidArgumentError(`invalid ${legacyMissing} method`);
  const missing = missingOf(handler, upgrade ? REQUIRED.controllerUpgrade : REQUIRED.controller);
  if (missing !== undefined) throw new errors.InvalidArgumentError(`invalid ${missing} method`);
  return new ControllerBridge(handler as ControllerHandler);
}
