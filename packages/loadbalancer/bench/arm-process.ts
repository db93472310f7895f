import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ServiceInstance } from "@outrigger/discovery";
import type { Cell, ModeName } from "./transport-cell.js";

/** A cell runner: the arm in this process, or in a process of its own (`ArmProcess`). */
export interface CellRunner {
  readonly name: string;
  cell(mode: ModeName, total: number): Promise<Cell>;
  close(): Promise<void>;
}

/**
 * One arm of `bench:transport` in a child process of its own (transport-arm-child.ts), run with this process's
 * node flags (`--conditions=@outrigger/source --import tsx`); `started` resolves once it is warm. The child is idle
 * between its cells, so while one arm runs the others take no CPU.
 */
export class ArmProcess implements CellRunner {
  readonly name: string;
  readonly started: Promise<void>;
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, (cell: Cell) => void>();
  #next = 1;

  constructor(name: string, instances: readonly ServiceInstance[]) {
    this.name = name;
    const path = fileURLToPath(new URL("./transport-arm-child.ts", import.meta.url));
    this.#child = fork(path, [JSON.stringify(instances), name], {
      execArgv: process.execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.started = new Promise((resolve, reject) => {
      this.#child.once("exit", (code) => reject(new Error(`arm "${name}" exited with ${code} before it was ready`)));
      this.#child.on("message", (message: { ready?: boolean; id?: number; cell?: Cell }) => {
        if (message.ready) resolve();
        else if (message.id !== undefined && message.cell) {
          this.#pending.get(message.id)?.(message.cell);
          this.#pending.delete(message.id);
        }
      });
    });
  }

  cell(mode: ModeName, total: number): Promise<Cell> {
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.#child.send({ id, mode, total });
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.send({ close: true });
    await exited;
  }
}
