// SIGTERM on a real process under keep-alive load (README "Graceful shutdown"; Envoy's drain and Go's
// net/http Server.Shutdown: stop listening, let requests in flight finish, end idle kept-alive connections only
// when no request can be on its way on them). A socket cut under a client shows as UND_ERR_SOCKET / ECONNRESET.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { Agent, fetch } from "undici";
import { expect, it } from "vitest";

/** A TypeScript child on the packages' sources. */
const TS_CHILD = ["--conditions=@outrigger/source", "--import", "tsx"];

it("SIGTERM under keep-alive load: every request gets an answer (200 or 503), no socket is cut", async () => {
  const fixture = new URL("./drain-child.fixture.ts", import.meta.url).pathname;
  const env = { ...process.env, DELAY_MS: "0" }; // answers at once: the client's next request follows at once
  const child = spawn(process.execPath, [...TS_CHILD, fixture], { env, stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  const port = await new Promise<number>((resolve) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      const event = JSON.parse(line) as { event?: string; port?: number };
      if (event.event === "listening") resolve(event.port as number);
    });
  });
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 10 });
  const outcomes: Record<string, number> = {};
  let ok = 0;
  let signalled: () => void = () => {};
  const enoughLoad = new Promise<void>((resolve) => {
    signalled = resolve;
  });
  const client = async () => {
    for (;;) {
      let outcome: string;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`, { dispatcher: agent });
        await response.text();
        outcome = String(response.status);
        if (response.status === 200 && ++ok === 200) signalled();
      } catch (error) {
        outcome = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (outcome === "ECONNREFUSED") return; // the process stopped listening: this client is done
    }
  };
  const clients = Array.from({ length: 10 }, client);
  await enoughLoad;
  child.kill("SIGTERM");
  expect(await exited).toBe("SIGTERM"); // re-raised after the drain: the exit status a signal gives
  await Promise.all(clients);
  await agent.close();
  const { 200: answered, 503: refused, ECONNREFUSED: gone, ...cut } = outcomes;
  expect(cut).toEqual({});
  expect(answered).toBeGreaterThanOrEqual(200);
  expect(gone).toBe(10);
  expect(refused ?? 0).toBeGreaterThanOrEqual(0);
}, 30_000);
