import { describe, expect, it } from "vitest";
import { policyByName } from "../variants/policy.js";
import { httpSidecarConfig, serverKeywords, tcpNullProxyConfig } from "./config.js";
import {
  addServerCommand,
  deleteServerCommands,
  enableHealthCommand,
  parseShowStat,
  setStateCommand,
  setWeightCommand,
} from "./runtime-api.js";

describe("runtime API commands", () => {
  it("builds HAProxy 2.6 add/enable/state/weight/del commands", () => {
    expect(addServerCommand("upstream", "u-1", "127.0.0.1", 8080, ["check", "maxconn", "64"])).toBe(
      "add server upstream/u-1 127.0.0.1:8080 check maxconn 64",
    );
    expect(enableHealthCommand("upstream", "u-1")).toBe("enable health upstream/u-1");
    expect(setStateCommand("upstream", "u-1", "maint")).toBe("set server upstream/u-1 state maint");
    expect(setWeightCommand("upstream", "u-1", 0)).toBe("set server upstream/u-1 weight 0");
    expect(deleteServerCommands("upstream", "u-1")).toEqual([
      "shutdown sessions server upstream/u-1",
      "del server upstream/u-1",
    ]);
  });

  it("refuses names that would inject a second command", () => {
    expect(() => addServerCommand("upstream", "a;shutdown", "127.0.0.1", 1)).toThrow(/characters/);
    expect(() => setStateCommand("up stream", "a", "ready")).toThrow(/characters/);
    expect(() => addServerCommand("upstream", "a", "127.0.0.1", 70_000)).toThrow(/port/);
    expect(() => setWeightCommand("upstream", "a", 300)).toThrow(/weight/);
  });

  it("parses show stat CSV by its header", () => {
    const rows = parseShowStat("# pxname,svname,scur,status,\nupstream,u-1,0,UP,\nupstream,BACKEND,0,UP,\n");
    expect(rows).toEqual([
      { pxname: "upstream", svname: "u-1", scur: "0", status: "UP" },
      { pxname: "upstream", svname: "BACKEND", scur: "0", status: "UP" },
    ]);
    expect(parseShowStat("Unknown command")).toEqual([]);
  });
});

describe("sidecar config", () => {
  const policy = policyByName("matched");

  it("matches the policy: per-try timeout, retries with redispatch, retry-on, passive health, limits", () => {
    const cfg = httpSidecarConfig({ port: 9000, socketPath: "/tmp/s.sock" }, policy);
    expect(cfg).toContain("timeout server 100ms");
    expect(cfg).toContain("retries 2");
    expect(cfg).toContain("option redispatch 1");
    expect(cfg).toContain("retry-on conn-failure empty-response response-timeout 500 502 503 504");
    expect(cfg).toContain("stats socket /tmp/s.sock mode 600 level admin");
    expect(serverKeywords(policy).join(" ")).toBe(
      "check inter 1s fall 3 rise 2 observe layer7 error-limit 5 on-error mark-down maxconn 64 pool-max-conn -1 pool-purge-delay 5s",
    );
  });

  it("makes the null proxy a plain TCP forwarder over a fixed list", () => {
    const cfg = tcpNullProxyConfig({ port: 9001, socketPath: "/tmp/t.sock" }, [{ host: "127.0.0.1", port: 81 }]);
    expect(cfg).toContain("mode tcp");
    expect(cfg).toContain("server s0 127.0.0.1:81");
    expect(cfg).not.toContain("retries");
  });
});
