// CPU time per thread of this process, from Linux's /proc/self/task/<tid>/stat (utime and stime, in clock ticks of
// 10 ms: `getconf CLK_TCK` is 100), so the bench can say which of a client's threads spend its CPU per apply — the
// main thread (JavaScript, and the syscalls it makes) or the others (libuv's pool: file I/O such as the state save;
// V8's helpers: GC, compiling). Node 20 names no thread ("node" each), so only the main one (tid = pid) is told
// apart. Elsewhere than Linux it reads nothing.
import { readdirSync, readFileSync } from "node:fs";

/** Per thread id: main or other, and its user/system ticks so far. */
export type ThreadTicks = Map<string, { name: string; user: number; system: number }>;

/** Every thread's ticks now. */
export function threadTicks(): ThreadTicks {
  const out: ThreadTicks = new Map();
  let tids: string[];
  try {
    tids = readdirSync("/proc/self/task");
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // The name is in parentheses and may hold spaces; the fields after it are space-separated (proc(5)).
      const name = tid === String(process.pid) ? "main" : "other";
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
      out.set(tid, { name, user: Number(fields[11]), system: Number(fields[12]) });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** User and system µs per thread kind since `from` (threads started since count from zero). */
export function ticksSince(from: ThreadTicks): Record<string, { userUs: number; systemUs: number }> {
  const out: Record<string, { userUs: number; systemUs: number }> = {};
  for (const [tid, now] of threadTicks()) {
    const before = from.get(tid) ?? { user: 0, system: 0 };
    const entry = out[now.name] ?? { userUs: 0, systemUs: 0 };
    entry.userUs += (now.user - before.user) * 10_000;
    entry.systemUs += (now.system - before.system) * 10_000;
    out[now.name] = entry;
  }
  return out;
}
