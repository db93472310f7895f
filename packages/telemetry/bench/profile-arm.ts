// One arm of the channel path (./arms.ts), alone in its process, for a CPU profile of where its time goes:
//   node --cpu-prof --cpu-prof-interval=200 --cpu-prof-dir=DIR --conditions=@outrigger/source --import tsx \
//     bench/profile-arm.ts --arm="traces+producer: Outrigger, batch" --seconds=30
// then `node bench/profile-top.mjs DIR/*.cpuprofile` for the self time by function. The profile samples the main
// thread only (see the README's "Cost"): at 200 µs an interval, 30 s of calls is about 150 000 samples.
import { ARMS, closeArms, flushSpans } from "./arms.js";
import { publishCalls } from "./channel-calls.js";

const option = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const name = option("arm") ?? "traces+producer: Outrigger, batch";
const seconds = Number(option("seconds") ?? 30);
const arm = ARMS[name];
if (arm === undefined) throw new Error(`no arm "${name}"; the arms are: ${Object.keys(ARMS).join(", ")}`);

const stop = arm();
const until = performance.now() + seconds * 1000;
let calls = 0;
while (performance.now() < until) {
  await publishCalls(2_000);
  calls += 2_000;
}
const spans = await flushSpans();
stop();
await closeArms();
console.log(`${name}: ${calls} calls in ${seconds} s, ${spans} spans exported`);
