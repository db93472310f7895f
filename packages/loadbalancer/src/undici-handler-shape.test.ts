// The handler shape of undici ≥ 7, which Node 26's fetch (undici 8) hands to a dispatcher: before, the lb dispatcher
// called only undici 6's callbacks and such a request hung (xen-orchestra#10411 and vercel#17629 are the same
// kind: an npm undici dispatcher given to Node 26's fetch). The handlers here have exactly the methods of Node 26's
// fetch handler (nodejs/undici lib/web/fetch/index.js); scripts/check-packages.mjs runs the real Node 26 fetch.
import type { Socket } from "node:net";
import { type Dispatcher, getGlobalDispatcher } from "undici";
import { describe, expect, it } from "vitest";
import { fieldInstance, lbOver, ok } from "./undici-field-fixture.js";
import { installGlobalDispatcher } from "./undici-global.js";
import { type ControllerHandler, type DispatchController, legacyHandlerOf } from "./undici-handler-shape.js";

interface Heard {
  events: string[];
  status?: number;
  headers?: Record<string, string | string[]>;
  rawNames?: string[];
  body: Buffer;
  error?: Error;
}

/**
 * Sends one request through `dispatcher` with a controller-shaped handler (no undici 6 callback at all); resolves
 * when the handler hears the end or an error. `steer` may act on the controller at each step.
 */
function controllerCall(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  steer: Partial<Record<"start" | "data", (controller: DispatchController, heard: Heard) => void>> = {},
): Promise<Heard> {
  const heard: Heard = { events: [], body: Buffer.alloc(0) };
  return new Promise((resolve) => {
    const handler: ControllerHandler = {
      onRequestStart: () => heard.events.push("requestStart"),
      onResponseStarted: () => heard.events.push("responseStarted"),
      onResponseStart: (controller, status, headers) => {
        heard.events.push(`responseStart ${status}`);
        heard.status = status;
        heard.headers = headers;
        heard.rawNames = controller.rawHeaders?.filter((_, i) => i % 2 === 0).map(String);
        steer.start?.(controller, heard);
      },
      onResponseData: (controller, chunk) => {
        heard.body = Buffer.concat([heard.body, chunk]);
        steer.data?.(controller, heard);
      },
      onResponseEnd: () => {
        heard.events.push("responseEnd");
        resolve(heard);
      },
      onResponseError: (_controller, error) => {
        heard.events.push("responseError");
        heard.error = error;
        resolve(heard);
      },
    };
    dispatcher.dispatch(options, handler as Dispatcher.DispatchHandlers);
  });
}

const GET = { origin: "http://svc", path: "/x", method: "GET" } as const;

describe("undici 7's handler shape (Node 26's fetch)", () => {
  it("is answered: start, headers as an object and as raw lines with their case, body, end", async () => {
    const a = await fieldInstance((_request, response) => {
      response.setHeader("X-Mixed-Case", ["one", "two"]);
      response.end("hello");
    });
    const lb = lbOver([a.port]);
    const heard = await controllerCall(lb.dispatcher, GET);
    expect(heard.events).toEqual(["requestStart", "responseStarted", "responseStart 200", "responseEnd"]);
    expect([heard.body.toString(), heard.headers?.["x-mixed-case"]]).toEqual(["hello", ["one", "two"]]);
    expect(heard.rawNames).toContain("X-Mixed-Case");
    await lb.close();
    await a.close();
  });

  it("is retried like any request: a refused connection and a held 503 reach the caller as one answer", async () => {
    const refused = await fieldInstance(ok);
    await refused.close();
    const busy = await fieldInstance((_request, response) => response.writeHead(503).end("busy"));
    const lb = lbOver([refused.port, busy.port], { retry: { maxAttempts: 3 } });
    const heard = await controllerCall(lb.dispatcher, GET);
    // Both instances tried (in either order); the 503 held while the other was tried is handed over whole, once.
    expect([heard.events, heard.body.toString(), busy.seen.requests.length]).toEqual([
      ["requestStart", "responseStarted", "responseStart 503", "responseEnd"],
      "busy",
      1,
    ]);
    await lb.close();
    await busy.close();
  });

  it("pause() holds the body back until resume(): 4 MiB arrive whole", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 7);
    const a = await fieldInstance((_request, response) => response.end(big));
    const lb = lbOver([a.port]);
    let pauses = 0;
    const heard = await controllerCall(lb.dispatcher, GET, {
      data: (controller) => {
        if (controller.paused) return;
        pauses++;
        controller.pause();
        setImmediate(() => controller.resume());
      },
    });
    expect([heard.body.length, heard.body.equals(big)]).toEqual([big.length, true]);
    expect(pauses).toBeGreaterThan(1);
    await lb.close();
    await a.close();
  });

  it("abort(reason) ends the request with that reason, once", async () => {
    const a = await fieldInstance((_request, response) => {
      response.writeHead(200);
      response.write("part");
    });
    const lb = lbOver([a.port]);
    const reason = new Error("caller gave up");
    const heard = await controllerCall(lb.dispatcher, GET, {
      start: (controller) => {
        controller.abort(reason);
        controller.abort(new Error("again"));
      },
    });
    expect(heard.error).toBe(reason);
    expect(heard.events.filter((e) => e === "responseError")).toHaveLength(1);
    await lb.dispatcher.destroy();
    lb.balancer.close();
    await a.close();
  });

  it("goes to the fallback agent for a host that is not a service", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([]);
    const heard = await controllerCall(lb.dispatcher, { ...GET, origin: `http://127.0.0.1:${a.port}` });
    expect([heard.status, heard.body.toString()]).toEqual([200, "ok"]);
    await lb.close();
    await a.close();
  });

  it("an upgrade hands the socket to onRequestUpgrade with the parsed headers", async () => {
    const a = await fieldInstance(ok);
    a.server.on("upgrade", (_request, socket: Socket) => {
      socket.end("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n");
    });
    const lb = lbOver([a.port]);
    const upgraded = await new Promise<{ status: number; upgrade: unknown; socket: Socket }>((resolve, reject) => {
      const handler: ControllerHandler = {
        onRequestUpgrade: (_controller, status, headers, socket) =>
          resolve({ status, upgrade: headers.upgrade, socket: socket as Socket }),
        onResponseError: (_controller, error) => reject(error),
      };
      lb.dispatcher.dispatch({ ...GET, upgrade: "echo" }, handler as Dispatcher.DispatchHandlers);
    });
    expect([upgraded.status, upgraded.upgrade]).toEqual([101, "echo"]);
    upgraded.socket.destroy();
    await lb.close();
    await a.close();
  });
});

describe("a handler that could not hear its end is refused at once (undici's checks)", () => {
  const shapes: [string, object, string][] = [
    ["an empty object", {}, "invalid onError method"],
    [
      "undici 6's callbacks without onComplete",
      { onError() {}, onHeaders() {}, onData() {} },
      "invalid onComplete method",
    ],
    [
      "undici 7's shape without onResponseError",
      { onResponseStart() {}, onResponseData() {}, onResponseEnd() {} },
      "invalid onResponseError method",
    ],
    [
      "undici 7's shape without onResponseEnd",
      { onResponseStart() {}, onResponseData() {}, onResponseError() {} },
      "invalid onResponseEnd method",
    ],
  ];
  it.each(shapes)("%s: UND_ERR_INVALID_ARG (%s)", async (_name, handler, message) => {
    const lb = lbOver([1]);
    const error = (() => {
      try {
        lb.dispatcher.dispatch(GET, handler as Dispatcher.DispatchHandlers);
      } catch (thrown) {
        return thrown as Error & { code?: string };
      }
    })();
    expect([error?.code, error?.message]).toEqual(["UND_ERR_INVALID_ARG", message]);
    await lb.close();
  });

  it("not an object: handler must be an object", () => {
    expect(() => legacyHandlerOf(null as unknown as Dispatcher.DispatchHandlers)).toThrow("handler must be an object");
  });
});

describe("installGlobalDispatcher", () => {
  it("writes the slot undici 6 and Node 20–24's fetch read and the one Node 26's reads; restore puts both back", async () => {
    const a = await fieldInstance(ok);
    const lb = lbOver([a.port]);
    const slot1 = Symbol.for("undici.globalDispatcher.1");
    const slot2 = Symbol.for("undici.globalDispatcher.2");
    const slots = globalThis as Record<symbol, unknown>;
    const before = [slots[slot1], slots[slot2]];
    const restore = installGlobalDispatcher(lb.dispatcher);
    try {
      for (const installed of [slots[slot1], slots[slot2], getGlobalDispatcher()])
        expect(installed).toBe(lb.dispatcher);
      const response = await fetch("http://svc/global");
      expect([response.status, await response.text()]).toEqual([200, "ok"]);
    } finally {
      restore();
    }
    expect(slots[slot1]).toBe(before[0]);
    expect(slots[slot2]).toBe(before[1]);
    await lb.close();
    await a.close();
  });
});
