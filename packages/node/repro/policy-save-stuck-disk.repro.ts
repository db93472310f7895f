// Reproduction, not part of the suite (newcomer, 2026-11-30). Run from the repository root:
//   node --conditions=@outrigger/source --import tsx packages/node/repro/policy-save-stuck-disk.repro.ts
// The state directory's disk does not answer (here: the first write's temp path is a FIFO nobody reads; in the field
// a hung NFS/EBS mount). PolicySaver.close(500) keeps its bound — it resolves after 500 ms and reports
// "not written within 500 ms of close" — but the `open(temp, "w")` it started (policy-file.ts `writePolicyFile`)
// still sits in libuv's thread pool: the process does not exit after close() (og.close(), then the end of main), and
// one of the pool's 4 threads stays taken (each further stuck write takes another; fs and dns.lookup share them).
// Node cannot cancel a blocked open(2). A FIFO could be refused without blocking (open with O_NONBLOCK: ENXIO when
// nobody reads); a hung mount cannot — the README's "og.close() … waiting at most 2 s" should say the process may
// still not exit while a write is stuck, so a service should end with process.exit after its drain.
// Exit code 1 while the child is still up 3 s after it printed "closed".
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const fixture = new URL("../src/control-plane/policy-saver-hostile.fixture.ts", import.meta.url).pathname;
const dir = await mkdtemp(join(tmpdir(), "outrigger-stuck-disk-"));
const child = spawn(process.execPath, ["--conditions=@outrigger/source", "--import", "tsx", fixture, "close", dir], {
  stdio: ["ignore", "pipe", "inherit"],
});
const started = performance.now();
for await (const line of createInterface({ input: child.stdout })) {
  console.log(`child: ${line} (${(performance.now() - started).toFixed(0)} ms)`);
  if (line === "closed") break;
}
const exited = await Promise.race([
  once(child, "exit").then(() => true),
  new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3_000)),
]);
console.log(exited ? "child exited after close()" : "child still up 3 s after close(): the stuck open holds its loop");
if (!exited) child.kill("SIGKILL");
await rm(dir, { recursive: true, force: true });
process.exitCode = exited ? 0 : 1;
