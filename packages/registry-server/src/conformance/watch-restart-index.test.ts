import { describe, expect, it } from "vitest";
import { RUN_TAGS } from "../watch-index.js";
import { consulFixturesPerTest, registerEureka } from "./consul-fixture.js";

/*
 * The Outrigger watch (`/outrigger/watch/apps/{APP}?index=N`) against registry processes that restart, held to the
 * rule Consul's blocking queries follow: hashicorp/consul#2621 (a -dev agent, whose index restarts with it, reached
 * again the numbers clients held, and a watch missed every change) and the "implementation details" of Consul's
 * blocking-query docs (hashicorp/consul#5358: a client resets when the index goes backwards). A lone registry
 * numbers its changes `count × RUN_TAGS + run tag` (`RunIndex`, shared with `X-Consul-Index`).
 */

interface WatchBody {
  application: { instance: { instanceId: string }[] };
}

const ids = (body: string): string[] =>
  (JSON.parse(body) as WatchBody).application.instance.map((i) => i.instanceId).sort();

describe("the watch's index across a registry restart (real registry processes)", () => {
  const { start, stop } = consulFixturesPerTest();

  it("an index held from before a restart, reached again by the new run, is answered at once with the new set (hashicorp/consul#2621)", async () => {
    const first = await start();
    expect(await registerEureka(first.url, "WEB", "web-a")).toBe(204);
    const before = await first.request("/outrigger/watch/apps/WEB");
    expect(ids(before.body)).toEqual(["web-a"]);
    await stop(first); // the new run keeps nothing
    const second = await start();
    // The same number of writes brings the new run to the same count of changes of WEB, with other content.
    expect(await registerEureka(second.url, "WEB", "web-b")).toBe(204);
    // A client that kept its index (a watch re-sent after the old process answered it on SIGTERM, through a proxy or
    // Service address now pointing at the new process): on main the same number, held for the whole wait.
    const after = await second.request(`/outrigger/watch/apps/WEB?index=${before.index}&wait=3s`);
    expect(after.index).not.toBe(before.index); // a client comparing indexes sees the change
    expect(ids(after.body)).toEqual(["web-b"]);
    expect(after.ms).toBeLessThan(1_500); // answered, not held for the 3 s wait
    // The two runs' indexes differ only in the run tag: the same count of changes.
    expect(Math.floor(after.index / RUN_TAGS)).toBe(Math.floor(before.index / RUN_TAGS));
  });

  it("a new run with fewer changes answers an index below the old one's, so clients reset (hashicorp/consul#5358)", async () => {
    const first = await start();
    expect(await registerEureka(first.url, "WEB", "web-a")).toBe(204);
    expect(await registerEureka(first.url, "WEB", "web-b")).toBe(204);
    const before = await first.request("/outrigger/watch/apps/WEB");
    await stop(first);
    const second = await start();
    expect(await registerEureka(second.url, "WEB", "web-c")).toBe(204);
    const after = await second.request(`/outrigger/watch/apps/WEB?index=${before.index}&wait=3s`);
    // Whatever the two run tags, one change fewer is a lower index: RegistryWatchInstancer's reset (and restart
    // grace) still fires.
    expect([ids(after.body), after.index < before.index, after.ms < 1_500]).toEqual([["web-c"], true, true]);
    // And the new run holds a watch at its own index, as any registry does.
    const held = second.request(`/outrigger/watch/apps/WEB?index=${after.index}&wait=400ms`);
    expect((await held).ms).toBeGreaterThanOrEqual(350);
  });
});
