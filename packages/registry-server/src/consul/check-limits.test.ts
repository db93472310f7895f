import { describe, expect, it } from "vitest";
import { isRegistryError, type RegistryError } from "../errors.js";
import {
  CHECK_OUTPUT_MAX_BYTES,
  capOutput,
  MAX_TIMER_MS,
  MIN_CHECK_INTERVAL_MS,
  MIN_DEREGISTER_AFTER_MS,
} from "./check-limits.js";
import { detailOf } from "./consul-error.js";
import { parseServiceDefinition } from "./definition.js";

const parse = (check: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseServiceDefinition({ Name: "x", ...extra, Check: check }, "10.0.0.1");

const reason = (check: Record<string, unknown>, extra: Record<string, unknown> = {}): string => {
  try {
    parse(check, extra);
  } catch (error) {
    expect(isRegistryError(error) && error.statusCode).toBe(400);
    return (error as Error).message;
  }
  throw new Error("expected a 400");
};

describe("check definitions are validated and bounded on registration", () => {
  it("refuses TCP targets that cannot be probed, naming the field (issue 15: TCP 127.0.0.1:70000 killed the process)", () => {
    for (const tcp of ["127.0.0.1:70000", "127.0.0.1:0", "127.0.0.1:-1", "127.0.0.1:", ":80", "nohost", "a b:80"]) {
      expect(reason({ TCP: tcp, Interval: "10s" }), tcp).toMatch(/TCP/);
    }
    for (const tcp of ["[::1:80", "[zz]:80", "host\n:80"]) {
      expect(reason({ TCP: tcp, Interval: "10s" }), tcp).toMatch(/TCP/);
    }
    expect(parse({ TCP: "[::1]:8080", Interval: "10s" }).checks[0]?.kind).toMatchObject({ address: "[::1]:8080" });
    expect(parse({ TCP: "db.internal:5432", Interval: "10s" }).checks[0]?.kind).toMatchObject({ type: "tcp" });
  });

  it("refuses HTTP URLs, methods and headers fetch could not send", () => {
    expect(reason({ HTTP: "http://127.0.0.1:70000/", Interval: "10s" })).toMatch(/HTTP .* not a URL/);
    expect(reason({ HTTP: "file:///etc/passwd", Interval: "10s" })).toMatch(/not http/);
    expect(reason({ HTTP: "http://h/", Method: "GET /x", Interval: "10s" })).toMatch(/Method/);
    expect(reason({ HTTP: "http://h/", Method: "CONNECT", Interval: "10s" })).toMatch(/Method/);
    expect(reason({ HTTP: "http://h/", Header: { "X Bad": ["1"] }, Interval: "10s" })).toMatch(/Header name/);
    expect(reason({ HTTP: "http://h/", Header: { "X-A": ["a\r\nB: c"] }, Interval: "10s" })).toMatch(/Header "X-A"/);
    expect(reason({ HTTP: "http://h/", Header: { "X-A": [{}] }, Interval: "10s" })).toMatch(/Header "X-A"/);
    expect(reason({ HTTP: "http://h/", Header: "x", Interval: "10s" })).toMatch(/Check.Header/);
    const ok = parse({ HTTP: "http://h:8080/health", Method: "HEAD", Header: { "X-A": ["1", "2"] }, Interval: "5s" });
    expect(ok.checks[0]?.kind).toMatchObject({ method: "HEAD", headers: { "X-A": "1, 2" } });
  });

  it("applies Consul's minimums: interval 1 s (agent/checks/check.go MinInterval), deregister-after 1 min (agent/agent.go CheckDeregisterIntervalMin)", () => {
    const def = parse({ HTTP: "http://h/", Interval: "1ms", Timeout: "0s", DeregisterCriticalServiceAfter: "1s" });
    expect(def.checks[0]?.kind).toMatchObject({ intervalMs: MIN_CHECK_INTERVAL_MS, timeoutMs: 1 });
    expect(def.checks[0]?.deregisterCriticalAfterMs).toBe(MIN_DEREGISTER_AFTER_MS);
    expect(MIN_CHECK_INTERVAL_MS).toBe(1000);
    expect(MIN_DEREGISTER_AFTER_MS).toBe(60_000);
  });

  it("keeps durations past setTimeout's 2^31-1 ms limit as asked (TTL, deregister) or lowers them to it (interval)", () => {
    const ttl = parse({ TTL: "600h", DeregisterCriticalServiceAfter: "600h" }).checks[0];
    expect(ttl?.kind).toEqual({ type: "ttl", ttlMs: 600 * 3_600_000 });
    expect(ttl?.deregisterCriticalAfterMs).toBe(600 * 3_600_000);
    expect(parse({ TCP: "h:1", Interval: "600h", Timeout: "600h" }).checks[0]?.kind).toMatchObject({
      intervalMs: MAX_TIMER_MS,
      timeoutMs: MAX_TIMER_MS,
    });
  });

  it("refuses durations that are not finite or beyond Go's time.Duration, naming the field", () => {
    expect(reason({ TTL: `${"9".repeat(400)}s` })).toMatch(/Check.TTL/);
    expect(reason({ TTL: "3000000h" })).toMatch(/Check.TTL .* 292 years/);
    expect(reason({ TTL: Number.POSITIVE_INFINITY })).toMatch(/Check.TTL/);
    expect(reason({ TCP: "h:1", Interval: -5 })).toMatch(/Check.Interval/);
    expect(reason({ TTL: "1s", DeregisterCriticalServiceAfter: "soon" })).toMatch(/DeregisterCriticalServiceAfter/);
  });

  it("refuses weights that are not finite whole numbers in range (issue 15: Weights 1e999 broke /v1/agent/services)", () => {
    for (const w of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1.5, "3", 0]) {
      expect(reason({ TTL: "10s" }, { Weights: { Passing: w } }), String(w)).toMatch(/Weights.Passing/);
    }
    // Above Consul's ValidateWeights limit (an SRV weight): its own words.
    for (const w of [65_536, 2 ** 31]) {
      expect(reason({ TTL: "10s" }, { Weights: { Passing: w } })).toBe(
        "Invalid Weights: DNS Weight must be between 0 and 65535",
      );
    }
    expect(reason({ TTL: "10s" }, { Weights: { Passing: 1, Warning: -1 } })).toMatch(/Weights.Warning/);
    expect(parse({ TTL: "10s" }, { Weights: { Passing: 5, Warning: 0 } }).weights).toEqual({ passing: 5, warning: 0 });
  });

  it("keeps each reason whole under 80 characters (the consul npm client shows no longer body), detail aside", () => {
    const long = "h".repeat(300);
    const checks = [
      { TCP: `${long}:70000`, Interval: "10s" },
      { TCP: `${long}!:80`, Interval: "10s" },
      { HTTP: `ftp://${long}/`, Interval: "10s" },
      { HTTP: "http://h/", Method: `${long} /x`, Interval: "10s" },
      { HTTP: "http://h/", Header: { [`${long} x`]: ["1"] }, Interval: "10s" },
      { TTL: `${long}s` },
      { TTL: "3000000h" },
    ];
    for (const check of checks) {
      const text = reason(check);
      expect(text.length, text).toBeLessThan(80);
      expect(text.endsWith("..."), text).toBe(false);
    }
    const infinite = { Weights: { Passing: Number.POSITIVE_INFINITY } };
    expect(reason({ TTL: "10s" }, infinite).length).toBeLessThan(80);
    let caught: unknown;
    try {
      parse({ TTL: "10s" }, infinite);
    } catch (error) {
      caught = error;
    }
    expect(detailOf.get(caught as RegistryError)).toBe("Weights.Passing must be a whole number from 1 to 65535");
  });

  it("caps a check's output at Consul's 4 KiB (agent/checks/check.go DefaultBufSize), saying how much it kept", () => {
    expect(capOutput("ok")).toBe("ok");
    const capped = capOutput("x".repeat(10_000));
    expect(capped.startsWith("x".repeat(CHECK_OUTPUT_MAX_BYTES))).toBe(true);
    expect(capped).toMatch(/\(captured 4096 of 10000 bytes\)$/);
  });
});
