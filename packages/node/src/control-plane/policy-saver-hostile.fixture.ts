// A child process for policy-saver-hostile.test.ts. argv: MODE DIR.
// MODE "churn": applies revisions 1, 2, 3, … (prints "applied N" to stdout before handing N to the saver, delay 0)
// until killed. MODE "close": makes the first write's temp path a FIFO, saves one revision and closes the saver with a 500 ms bound, prints "closed", and
// lets the process end by itself (the test times how long the process stays up after "closed").
import { execFileSync } from "node:child_process";
import { policyFilePath } from "./policy-file.js";
import { PolicySaver } from "./policy-saver.js";

const [mode, dir] = process.argv.slice(2) as [string, string];
const saver = new PolicySaver({
  dir,
  delayMs: 0,
  failed: (update, error) => process.stdout.write(`failed ${update.revision} ${error.message}\n`),
});
const revision = (n: number) => ({
  service: "ORDERS",
  revision: n,
  policy: { destination: { timeout: { totalMs: 1_000 + n } } },
});

if (mode === "churn") {
  let n = 0;
  const next = (): void => {
    n += 1;
    process.stdout.write(`applied ${n}\n`);
    saver.save(revision(n));
    setImmediate(next);
  };
  next();
} else {
  // The disk does not answer: the first write's temp file (policy-file.ts names it PATH.PID-1.tmp) is a FIFO that
  // nobody reads, so opening it for writing blocks in the thread pool, as a write on a hung NFS mount does.
  execFileSync("mkfifo", [`${policyFilePath(dir, "ORDERS")}.${process.pid}-1.tmp`]);
  saver.save(revision(1));
  await saver.close(500);
  process.stdout.write("closed\n");
}
