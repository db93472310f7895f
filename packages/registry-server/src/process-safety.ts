/** What the process-level guard reports to. */
export interface SafetyLog {
  error(fields: Record<string, unknown>, message: string): void;
}

let unhandled = 0;

/** How many promise rejections nobody handled since the process started (exported on `/metrics`). */
export function unhandledRejections(): number {
  return unhandled;
}

/**
 * Keeps one stray promise rejection from ending the registry (Node's default for an unhandled rejection is to
 * exit): it is logged with its stack and counted in `outrigger_registry_unhandled_rejections_total`, so the bug
 * stays visible. Thrown exceptions are left to Node: after one, the process's state is unknown and it should end.
 * The CLI installs this; a program embedding `startServer` decides for itself. Returns a function that removes it.
 */
export function installProcessSafety(log: SafetyLog): () => void {
  const onRejection = (reason: unknown): void => {
    unhandled += 1;
    const err = reason instanceof Error ? { message: reason.message, stack: reason.stack } : { reason: String(reason) };
    log.error({ event: "unhandled-rejection", total: unhandled, ...err }, "unhandled promise rejection (kept running)");
  };
  process.on("unhandledRejection", onRejection);
  return () => process.off("unhandledRejection", onRejection);
}
