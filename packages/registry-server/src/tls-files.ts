import { type StatWatcher, unwatchFile, watchFile } from "node:fs";
import { createSecureContext } from "node:tls";
import { readBoundedFileSync } from "@outrigger/core";
import { RegistryError } from "./errors.js";

/** Where the server's certificate and key live, and how often to look for new ones. */
export interface TlsFilesOptions {
  /** PEM certificate chain (the server's certificate first). */
  readonly certFile: string;
  /** PEM private key of that certificate. */
  readonly keyFile: string;
  /**
   * How often the files are checked for a change, in ms (default 2 000). Polling (`fs.watchFile`) rather than
   * `fs.watch`, because a Kubernetes Secret volume swaps a `..data` symlink: the watched inode never changes.
   */
  readonly watchIntervalMs?: number;
}

/** A certificate and key read from disk. */
export interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** 2 s: a rotated certificate is served within seconds, at the cost of two `stat` calls per interval. */
export const DEFAULT_TLS_WATCH_INTERVAL_MS = 2_000;

/**
 * Largest certificate or key file read, 1 MiB: a PEM chain is a few KiB. The files are read on the event loop, so
 * each is read without blocking (a FIFO put at the path froze every request, heartbeats included) and bounded
 * (`/dev/zero` or a runaway file cannot fill memory) — `readBoundedFileSync` of `@outrigger/core`.
 */
export const MAX_TLS_FILE_BYTES = 1024 * 1024;

/**
 * Reads and checks a certificate and its key: both must be regular files of at most 1 MiB and parse, and the key
 * must belong to the certificate (`createSecureContext` refuses a mismatch), so a half-written rotation is never
 * served.
 * Throws REGISTRY_TLS_RELOAD_FAILED naming the files, never their content.
 */
export function readKeyPair(options: Pick<TlsFilesOptions, "certFile" | "keyFile">): KeyPair {
  try {
    const pair = {
      cert: readBoundedFileSync(options.certFile, MAX_TLS_FILE_BYTES),
      key: readBoundedFileSync(options.keyFile, MAX_TLS_FILE_BYTES),
    };
    createSecureContext(pair);
    return pair;
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? "unreadable or mismatched";
    throw new RegistryError(
      "REGISTRY_TLS_RELOAD_FAILED",
      `Cannot use TLS certificate ${options.certFile} with key ${options.keyFile} (${reason}): ` +
        "check that both are regular PEM files of at most 1 MiB and the key belongs to the certificate",
      500,
      { cause },
    );
  }
}

/**
 * Watches a certificate and key and hands each new, valid pair to `apply` (the server's `setSecureContext`), as a
 * mounted Secret is rotated. A pair that fails to load goes to `onError` and the pair in use stays. `close()` stops
 * watching; the stat watchers are unref'd so they never hold the process open.
 */
export class TlsFiles {
  readonly #options: TlsFilesOptions;
  readonly #apply: (pair: KeyPair) => void;
  readonly #onError: (error: RegistryError) => void;
  readonly #watchers: StatWatcher[] = [];
  readonly #listener = (): void => {
    this.reload();
  };

  constructor(
    options: TlsFilesOptions,
    apply: (pair: KeyPair) => void,
    onError: (error: RegistryError) => void = () => {},
  ) {
    this.#options = options;
    this.#apply = apply;
    this.#onError = onError;
    const interval = options.watchIntervalMs ?? DEFAULT_TLS_WATCH_INTERVAL_MS;
    for (const file of [options.certFile, options.keyFile]) {
      this.#watchers.push(watchFile(file, { interval, persistent: false }, this.#listener));
    }
  }

  /** Reads both files now and applies them when valid; true when applied. */
  reload(): boolean {
    try {
      this.#apply(readKeyPair(this.#options));
      return true;
    } catch (error) {
      this.#onError(error as RegistryError);
      return false;
    }
  }

  close(): void {
    for (const file of [this.#options.certFile, this.#options.keyFile]) unwatchFile(file, this.#listener);
    this.#watchers.length = 0;
  }
}
