// A child process for atomic-file.test.ts, started under `ulimit -f` (RLIMIT_FSIZE): writes PAYLOAD_BYTES to the
// path in argv[2] with writeFileAtomic and prints the outcome as one JSON line. Past the limit the kernel fails the
// write part-way with EFBIG (Node ignores SIGXFSZ), as a full disk fails it with ENOSPC (hashicorp/consul#3207).
import { writeFileAtomic } from "./atomic-file.js";

const [path, bytes] = process.argv.slice(2) as [string, string];
try {
  await writeFileAtomic(path, "n".repeat(Number(bytes)));
  process.stdout.write(`${JSON.stringify({ ok: true })}\n`);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ ok: false, code: (error as NodeJS.ErrnoException).code })}\n`);
}
