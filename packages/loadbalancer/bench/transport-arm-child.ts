// One arm of `bench:transport` in a process of its own (the default form; transport.ts forks one per arm): its
// heap, JIT state and undici globals are its own, so which other arms run does not change its cost. Arguments: the
// instances as JSON and the arm's name. Over IPC it answers `{ id, cell }` for each `{ id, mode, total }` after a
// `{ ready: true }` sent once it is warm; `{ close: true }` closes the arm and ends the process.
import type { ServiceInstance } from "@outrigger/discovery";
import { armsFor } from "./transport-arms.js";
import { type ModeName, runCell, warmUp } from "./transport-cell.js";

const instances = JSON.parse(process.argv[2] ?? "[]") as ServiceInstance[];
const name = process.argv[3] ?? "";
const [arm] = await armsFor(instances, (candidate) => candidate === name);
if (!arm) throw new Error(`no arm named "${name}"`);
// A new process each round (transport.ts): warm enough that its first cell is not its JIT's warm-up.
await warmUp(arm, 3_000);
const send = (message: object) => process.send?.(message);
process.on("message", async (message: { id?: number; mode?: ModeName; total?: number; close?: boolean }) => {
  if (message.close) {
    await arm.close();
    // Keep-alive sockets of an arm without a close of its own (plain axios' global agent) must not hold the process.
    process.exit(0);
  }
  const cell = await runCell(arm, message.mode as ModeName, message.total as number);
  send({ id: message.id, cell });
});
send({ ready: true });
