// Discovery's events are `@outrigger/core`'s: one isolating EventSource for every package (a listener that throws
// or rejects is reported and neither stops the others nor fails the emitter). This module only keeps the import
// path the files of this package use.
export { type Disposable, type Event, EventSource } from "@outrigger/core";
