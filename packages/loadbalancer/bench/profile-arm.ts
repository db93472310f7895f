// `node --cpu-prof --import tsx bench/profile-arm.ts [arm] [requests] [concurrency]`: one transport arm alone in a
// closed loop (default: "lb-undici full policy", 50 000 requests at concurrency 32), for a CPU profile of its path
// without the other arms' samples. Prints its CPU µs per request next to bare undici's, run after it.
import { loadavg } from "node:os";
import { type Arm, armsOverTwoInstances } from "./transport-arms.js";

const wanted = process.argv[2] ?? "lb-undici full policy";
const total = Number(process.argv[3] ?? 50_000);
const concurrency = Number(process.argv[4] ?? 32);

async function closedLoop(arm: Arm, count: number): Promise<number> {
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      await arm.send();
    }
  };
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
}

const fleet = await armsOverTwoInstances();
const arm = fleet.arms.find((a) => a.name === wanted);
const bare = fleet.arms.find((a) => a.name === "bare undici Pool");
if (!arm || !bare) throw new Error(`no arm "${wanted}": ${fleet.arms.map((a) => a.name).join(", ")}`);
console.log(
  `load average: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
await closedLoop(arm, 2_000);
await closedLoop(bare, 2_000);
console.log(`${wanted}: ${(await closedLoop(arm, total)).toFixed(1)} µs/request`);
// `alone` as 4th argument: the profile holds the chosen arm only.
if (process.argv[5] !== "alone")
  console.log(`bare undici Pool: ${(await closedLoop(bare, total)).toFixed(1)} µs/request`);
await fleet.close();
