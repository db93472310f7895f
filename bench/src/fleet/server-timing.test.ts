import { describe, expect, it } from "vitest";
import { serverTiming, upstreamMsOf } from "./server-timing.js";

describe("Server-Timing of the upstream", () => {
  it("round-trips the upstream's time in ms with µs precision", () => {
    expect(serverTiming(1.23456)).toBe("app;dur=1.235");
    expect(upstreamMsOf(serverTiming(1.23456))).toBe(1.235);
  });

  it("finds the app metric among others, with a description, or in repeated headers", () => {
    expect(upstreamMsOf('db;dur=0.5, app;desc="upstream";dur=2.5')).toBe(2.5);
    expect(upstreamMsOf(["cache;dur=1", "app;dur=3"])).toBe(3);
  });

  it("is undefined when the header is absent, has no app metric, or a malformed duration", () => {
    expect(upstreamMsOf(undefined)).toBeUndefined();
    expect(upstreamMsOf("db;dur=1")).toBeUndefined();
    expect(upstreamMsOf("app;dur=abc")).toBeUndefined();
    expect(upstreamMsOf("app")).toBeUndefined();
  });
});
