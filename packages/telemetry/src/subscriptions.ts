import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type { Listener } from "./channel-names.js";

/** Subscribes every listener; the returned function unsubscribes them all (once). */
export function subscribeAll(listeners: readonly Listener[]): () => void {
  for (const [name, onMessage] of listeners) subscribe(name, onMessage);
  let open = true;
  return () => {
    if (!open) return;
    open = false;
    for (const [name, onMessage] of listeners) unsubscribe(name, onMessage);
  };
}
