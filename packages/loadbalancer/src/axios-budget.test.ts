import type { Server } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { RetryBudget } from "@outrigger/resilience";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLbAxios } from "./axios.js";
import { createBalancer } from "./balancer.js";
import type { RetryBudgetLike } from "./retry-decision.js";
import { answerName, instance, namedServer } from "./test-support.js";

describe("createLbAxios's built-in retries within a retry budget, against a failing upstream on loopback", () => {
  const servers: Server[] = [];
  const ids: string[] = [];
  const ports: number[] = [];
  let received = 0;

  beforeAll(async () => {
    for (const name of ["a", "b", "c"]) {
      const s = await namedServer(name, (q, r) => {
        received++;
        answerName(name, q, r, 503);
      });
      servers.push(s.server);
      ids.push(name);
      ports.push(s.port);
    }
  });
  afterAll(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  const REQUESTS = 100;
  /** Upstream requests per client request after REQUESTS failing GETs with up to 3 attempts each. */
  const amplification = async (retry: Parameters<typeof createLbAxios>[0]["retry"], service = "svc") => {
    // No outlier ejection: an ejected instance gets no retries, and this counts what the budget allows.
    const balancer = createBalancer({
      instancer: new FixedInstancer(ids.map((id, i) => instance(id, "UP", ports[i]))),
      outlierDetection: false,
    });
    const http = createLbAxios({ balancer: () => balancer, retry, defaults: { validateStatus: () => true } });
    received = 0;
    for (let i = 0; i < REQUESTS; i++) expect((await http.get(`lb://${service}/x`)).status).toBe(503);
    return received / REQUESTS;
  };

  it("without a budget every request is tried three times: amplification 3", async () => {
    expect(await amplification({ maxAttempts: 3 })).toBe(3);
  });

  it("with @outrigger/resilience's RetryBudget (20%), retries stay within a fifth of requests", async () => {
    const budget = new RetryBudget({ percentCanRetry: 0.2, minRetriesPerSec: 0 });
    const ratio = await amplification({ maxAttempts: 3, budget });
    expect(ratio).toBeGreaterThan(1); // some retries are still made
    expect(ratio).toBeLessThanOrEqual(1.2);
  });

  it("takes any object with deposit() and tryWithdraw(), per service, and asks it only when a retry would happen", async () => {
    let deposits = 0;
    let withdrawals = 0;
    const refuseAll: RetryBudgetLike = {
      deposit: () => void deposits++,
      tryWithdraw: () => {
        withdrawals++;
        return false;
      },
    };
    const perService = { maxAttempts: 3, budget: refuseAll };
    const retry = (service: string) => (service === "budgeted" ? perService : { maxAttempts: 3 });
    expect(await amplification(retry, "budgeted")).toBe(1);
    expect([deposits, withdrawals]).toEqual([REQUESTS, REQUESTS]);
    expect(await amplification(retry, "free")).toBe(3);
    expect(deposits).toBe(REQUESTS); // the other service's requests do not touch it
    // No retry allowed anyway (one attempt): the budget is not drawn on.
    expect(await amplification({ maxAttempts: 1, budget: refuseAll })).toBe(1);
    expect(withdrawals).toBe(REQUESTS);
  });
});
