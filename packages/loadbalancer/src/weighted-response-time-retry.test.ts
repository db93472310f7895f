// Field case spring-cloud-netflix#3077: with Ribbon's WeightedResponseTimeRule and MaxAutoRetriesNextServer=1, a
// server that had the best response time and then went down was picked again for the retry ("the algorithm is
// working as expected", the maintainer answered: the rule's weights know nothing of the first attempt). Here the
// retry's pick skips the instance its call already tried, whatever the rule's weights say.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { FixedInstancer } from "@outrigger/discovery";
import { describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { PickMessage } from "./channels.js";
import { answerName, instance, namedServer } from "./test-support.js";
import { WeightedResponseTimeRule } from "./weighted-response-time.js";

describe("spring-cloud-netflix#3077: WeightedResponseTimeRule and a retry on the next server, against real servers", () => {
  it("the fastest instance goes down: every request answers, its retry never re-picks the down one", async () => {
    const fast = await namedServer("fast");
    const slow = await namedServer("slow", (q, r) => setTimeout(() => answerName("slow", q, r), 50));
    const balancer = createBalancer({
      instancer: new FixedInstancer([instance("fast", "UP", fast.port), instance("slow", "UP", slow.port)]),
      rule: new WeightedResponseTimeRule(),
      // Without the outlier detector the down instance stays a candidate: only the retry's avoidance protects.
      outlierDetection: false,
      // A 10 ms decay: the warm-up's first, cold answers (a new connection, code not yet compiled) are forgotten
      // within it, so the weights reflect the instances (~1 ms and ~50 ms), not the machine's load (measured: with
      // the default 10 s, a slow first answer left "fast" looking as slow as "slow" in 7 of 12 runs under load).
      stats: { decayMs: 10 },
    });
    const http = createLbAxios({ balancer: () => balancer });
    const picks: string[] = [];
    const onPick = (m: unknown) => picks.push((m as PickMessage).instance.id);
    subscribe("outrigger:lb:pick", onPick);
    try {
      for (let i = 0; i < 20; i++) await http.get("lb://svc/");
      await new Promise((resolve) => {
        fast.server.close(resolve);
        fast.server.closeAllConnections();
      });
      const perRequest: string[][] = [];
      for (let i = 0; i < 10; i++) {
        picks.length = 0;
        const response = await http.get("lb://svc/");
        expect(response.data).toMatchObject({ from: "slow" });
        perRequest.push([...picks]);
      }
      // Each request: the slow one at once, or the down one and then the slow one — never the down one twice.
      for (const attempts of perRequest) expect([["slow"], ["fast", "slow"]]).toContainEqual(attempts);
      // The failures' penalty (doubling from a few ms) leaves the down one preferred for a while: the case exists.
      expect(perRequest.filter((a) => a[0] === "fast").length).toBeGreaterThan(0);
    } finally {
      unsubscribe("outrigger:lb:pick", onPick);
      await http.close();
      balancer.close();
      slow.server.close();
    }
  });
});
