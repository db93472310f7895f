/**
 * Fixtures for tests that run real processes (registries, instances, clients) and talk to them in JSON lines, so a
 * test waits for a process's own events instead of sleeping.
 */

export { freePort, portSlice } from "./free-port.js";
export { type JsonLine, type JsonLinesChild, spawnJsonLines } from "./json-lines-child.js";
