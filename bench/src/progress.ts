/** Prints "[i/n] what (elapsed)" lines on stderr, so a long run shows where it is. */
export class Progress {
  #done = 0;
  readonly #started = Date.now();

  constructor(readonly total: number) {}

  step(label: string, detail = ""): void {
    this.#done += 1;
    const elapsed = ((Date.now() - this.#started) / 1000).toFixed(0);
    process.stderr.write(`[${this.#done}/${this.total}] ${label}${detail ? ` — ${detail}` : ""} (${elapsed}s)\n`);
  }

  note(text: string): void {
    process.stderr.write(`      ${text}\n`);
  }
}
