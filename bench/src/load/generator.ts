// The open-loop load generator: sends on a fixed schedule and measures each latency from its intended send time.
import { Agent, request } from "node:http";
import { SERVER_TIMING, upstreamMsOf } from "../fleet/server-timing.js";
import { emit, serveCommands } from "../proc/child.js";
import { createHistogram, encodeHistogram, percentilesMs, recordMs } from "../stats/histogram.js";
import { type ClosedRunRequest, runClosed } from "./closed-loop.js";
import { nowMs, type RunOutcome, type RunRequest, TimelineRecorder } from "./run.js";
import { createSchedule, dueCount, intendedSendMs } from "./schedule.js";

/** A request leaving later than this after its intended time does not count towards the achieved rate. */
const LATE_TOLERANCE_MS = 10;
/** A response slower than this is counted as an error (and recorded at this latency). */
const RESPONSE_TIMEOUT_MS = 10_000;

// Open loop: never limit concurrency, or a slow server would throttle the offered load.
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

/** A response's status (0: no answer) and the upstream's own time it carried (`Server-Timing`), ms. */
interface Reply {
  readonly status: number;
  readonly upstreamMs: number | undefined;
}

function send(url: URL): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: RESPONSE_TIMEOUT_MS }, (res) => {
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, upstreamMs: upstreamMsOf(res.headers[SERVER_TIMING]) }),
      );
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve({ status: 0, upstreamMs: undefined }));
    req.end();
  });
}

/** Every URL of `r` on its own schedule, the i-th of n starting i/n of a period after the first (`RunRequest`). */
function runAll(r: RunRequest): Promise<RunOutcome[]> {
  const periodMs = 1000 / r.ratePerSec;
  return Promise.all(
    r.urls.map((url, i) => run(new URL(url), { ...r, startAt: r.startAt + (i * periodMs) / r.urls.length })),
  );
}

function run(url: URL, r: RunRequest): Promise<RunOutcome> {
  const totalMs = r.warmupMs + r.durationMs;
  const schedule = createSchedule(r.startAt, r.ratePerSec, totalMs);
  const measuredFrom = r.startAt + r.warmupMs;
  const histogram = createHistogram();
  // From the actual send, less the answering upstream's own time: the path outside the upstream (run.ts).
  const path = createHistogram();
  const timeline = new TimelineRecorder(r.bucketMs, Math.ceil(r.durationMs / r.bucketMs));
  let sent = 0;
  let sentOnTime = 0;
  let measured = 0;
  let ok = 0;
  let errors = 0;
  let outstanding = 0;
  return new Promise((resolve) => {
    const finishIfDone = (): void => {
      if (sent < schedule.total || outstanding > 0) return;
      resolve({
        sent: measured,
        sentOnTime,
        ok,
        errors,
        percentiles: percentilesMs(histogram),
        histogram: encodeHistogram(histogram),
        pathHistogram: encodeHistogram(path),
        timeline: timeline.buckets(),
      });
    };
    const tick = (): void => {
      const now = nowMs();
      for (let n = dueCount(schedule, now, sent); n > 0; n--) {
        const intended = intendedSendMs(schedule, sent++);
        if (intended < measuredFrom) {
          outstanding += 1;
          void send(url).then(() => {
            outstanding -= 1;
            finishIfDone();
          });
          continue;
        }
        measured += 1;
        if (now - intended <= LATE_TOLERANCE_MS) sentOnTime += 1;
        outstanding += 1;
        const sentAt = nowMs();
        void send(url).then(({ status, upstreamMs }) => {
          outstanding -= 1;
          const end = nowMs();
          recordMs(histogram, end - intended);
          if (upstreamMs !== undefined) recordMs(path, end - sentAt - upstreamMs);
          const good = status >= 200 && status < 300;
          if (good) ok += 1;
          else errors += 1;
          timeline.add(intended - measuredFrom, good);
          finishIfDone();
        });
      }
      if (sent < schedule.total) setTimeout(tick, 1);
      else finishIfDone();
    };
    setTimeout(tick, Math.max(0, r.startAt - nowMs()));
  });
}

serveCommands(async (command) => {
  if (command.cmd === "run") return { outcomes: await runAll(command as unknown as RunRequest) };
  if (command.cmd === "closed")
    return {
      outcome: await runClosed(command as unknown as ClosedRunRequest, async (url) => (await send(url)).status),
    };
  throw new Error(`unknown command ${String(command.cmd)}`);
});
emit("ready");
