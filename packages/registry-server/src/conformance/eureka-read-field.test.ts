import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { eurekaCalls, registryProcesses } from "./eureka-fixture.js";

/*
 * Field reports of Eureka's read path, replayed against a real registry process over real HTTP. Rules:
 * - Netflix/eureka eureka-client/.../shared/Applications.java (`getReconcileHashCode`: `STATUS_count_` pairs over
 *   every instance, statuses in TreeMap order) and discovery/DiscoveryClient.java (`updateDelta`: ADDED and
 *   MODIFIED replace the instance by id, DELETED removes it; then the client compares its hash code with the
 *   delta's `apps__hashcode` and fetches the whole registry on a mismatch: Netflix/eureka#1528 and
 *   spring-cloud/spring-cloud-netflix#1013 are clients doing a full fetch every 30 s because the two differed).
 * - eureka-core/.../registry/AbstractInstanceRegistry.java `register`: a registration older (by
 *   `lastDirtyTimestamp`) than the stored copy keeps the stored copy (Netflix/eureka#802).
 * - ApplicationsResource / ApplicationResource / AbstractVIPResource: a collection read is JSON when `Accept` contains
 *   "json" anywhere, else XML; InstanceResource.renewLease: a heartbeat's 404 has no body (the Java client parses
 *   any heartbeat body as an InstanceInfo: spring-cloud/spring-cloud-netflix#4145, #4153; Netflix/eureka#914).
 * - RFC 9110 §12.5.3 `Accept-Encoding`: gzip listed anywhere with a weight above 0 (Netflix/eureka#711: gzip not
 *   first), never when its weight is 0 or when it is not asked for (jquatier/eureka-js-client#54: a client that
 *   could not read the gzip Eureka sent regardless). The Java client's identity headers
 *   (`DiscoveryIdentity-Name/Version/Id`, Netflix/eureka#139) change nothing in the answer.
 */

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A GET with exactly these headers (fetch would add its own Accept-Encoding). */
function get(url: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

interface Instance {
  instanceId: string;
  status: string;
  actionType?: string;
  lastDirtyTimestamp: string;
}
interface Applications {
  applications: { apps__hashcode: string; application: { name: string; instance: Instance[] }[] };
}

/** The instances of a client's copy, by app then id. */
type ClientCopy = Map<string, Map<string, Instance>>;

/** Eureka's `getReconcileHashCode` over a client's copy. */
function reconcileHashCode(copy: ClientCopy): string {
  const counts = new Map<string, number>();
  for (const instances of copy.values()) {
    for (const { status } of instances.values()) counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) // TreeMap<String>: code-unit order
    .map((status) => `${status}_${counts.get(status)}_`)
    .join("");
}

const JAVA_CLIENT = {
  accept: "application/json",
  "accept-encoding": "gzip",
  "discoveryidentity-name": "DefaultClient",
  "discoveryidentity-version": "1.4",
  "discoveryidentity-id": "10.0.0.9",
};

const start = registryProcesses();

describe("Eureka read-path field cases (real registry process)", () => {
  it("a Java client applying every delta stays in sync: its hash code always equals apps__hashcode (Netflix/eureka#1528)", async () => {
    const registry = await start();
    const base = `${registry.url}/eureka/apps/`;
    const read = async (path: string): Promise<Applications> => {
      const answer = await get(`${base}${path}`, JAVA_CLIENT);
      expect([answer.status, answer.headers["content-encoding"]]).toEqual([200, "gzip"]);
      return JSON.parse(gunzipSync(answer.body).toString("utf8")) as Applications;
    };
    const orders = eurekaCalls(registry.url, "ORDERS");
    const pay = eurekaCalls(registry.url, "PAY");
    await orders.register("orders-1");
    const copy: ClientCopy = new Map();
    for (const app of (await read("")).applications.application) {
      copy.set(app.name, new Map(app.instance.map((i) => [i.instanceId, i])));
    }
    const steps: [string, () => Promise<unknown>][] = [
      ["register STARTING", () => pay.register("pay-1", { status: "STARTING" })],
      ["register UP", () => pay.register("pay-1", { status: "UP", lastDirtyTimestamp: String(Date.now() + 1_000) })],
      ["second instance", () => orders.register("orders-2", { status: "DOWN" })],
      ["override", () => orders.write("PUT", "orders-1/status?value=OUT_OF_SERVICE")],
      ["remove override", () => orders.write("DELETE", "orders-1/status?value=UP")],
      ["cancel", () => orders.write("DELETE", "orders-2")],
      ["last of an app", () => pay.write("DELETE", "pay-1")],
    ];
    for (const [step, write] of steps) {
      await write();
      const delta = await read("delta");
      for (const app of delta.applications.application) {
        const instances = copy.get(app.name) ?? new Map<string, Instance>();
        copy.set(app.name, instances);
        for (const instance of app.instance) {
          if (instance.actionType === "DELETED") instances.delete(instance.instanceId);
          else instances.set(instance.instanceId, instance);
        }
      }
      const full = await read("");
      expect({ step, client: reconcileHashCode(copy) }).toEqual({ step, client: delta.applications.apps__hashcode });
      expect({ step, full: full.applications.apps__hashcode }).toEqual({
        step,
        full: delta.applications.apps__hashcode,
      });
    }
  });

  it("a registration older than the stored copy keeps the stored copy, in every read (Netflix/eureka#802)", async () => {
    const registry = await start();
    const eureka = eurekaCalls(registry.url, "RACE");
    const newer = Date.now();
    // #802: the client's UP reached this server first; its older STARTING registration arrived after it.
    expect(await eureka.register("race-1", { status: "UP", lastDirtyTimestamp: String(newer) })).toBe(204);
    expect(await eureka.register("race-1", { status: "STARTING", lastDirtyTimestamp: String(newer - 500) })).toBe(204);
    const one = await eureka.instance("race-1");
    expect([one.status, one.lastDirtyTimestamp]).toEqual(["UP", String(newer)]);
    for (const path of ["", "delta", "RACE"]) {
      const answer = await get(`${registry.url}/eureka/apps/${path}`, { accept: "application/json" });
      expect({ path, up: answer.body.toString().includes('"status":"UP"') }).toEqual({ path, up: true });
      expect({ path, starting: answer.body.toString().includes('"STARTING"') }).toEqual({ path, starting: false });
    }
  });

  it("sends gzip only to a client that accepts it, by RFC 9110 weights (Netflix/eureka#711, eureka-js-client#54)", async () => {
    const registry = await start();
    await eurekaCalls(registry.url, "ZIP").register("zip-1");
    const cases: [string | undefined, boolean][] = [
      [undefined, false], // eureka-js-client#54: no Accept-Encoding, no gzip
      ["gzip", true],
      ["deflate, gzip;q=0.5", true], // #711: gzip is not the first coding listed
      ["GZIP; q=1.0", true],
      ["x-gzip", true],
      ["gzip;q=0", false], // RFC 9110: weight 0 means "not acceptable"
      ["identity, gzip;q=0.000", false],
      ["br;q=1, gzip; q=0", false],
      ["*", false],
    ];
    for (const path of ["", "delta", "ZIP"]) {
      for (const [acceptEncoding, gzipped] of cases) {
        const headers: Record<string, string> = {
          accept: "application/json",
          "discoveryidentity-name": "DefaultClient",
        };
        if (acceptEncoding !== undefined) headers["accept-encoding"] = acceptEncoding;
        const answer = await get(`${registry.url}/eureka/apps/${path}`, headers);
        const encoding = answer.headers["content-encoding"];
        expect({ path, acceptEncoding, encoding }).toEqual({
          path,
          acceptEncoding,
          encoding: gzipped ? "gzip" : undefined,
        });
        const text = (gzipped ? gunzipSync(answer.body) : answer.body).toString("utf8");
        expect(text).toContain('"instanceId":"zip-1"');
      }
    }
  });

  it("collection reads answer JSON when Accept names json anywhere, as Eureka's resources decide (spring-cloud-netflix#852)", async () => {
    const registry = await start();
    await eurekaCalls(registry.url, "NEG").register("neg-1");
    // Spring's RestTemplate with Jackson's XML module on the classpath lists XML first.
    const springXmlFirst = "application/xml, text/xml, application/json, application/*+xml, application/*+json, */*";
    const cases: [string | undefined, string][] = [
      [springXmlFirst, "application/json"],
      ["application/json", "application/json"],
      ["application/xml", "application/xml"],
      ["*/*", "application/xml"],
      [undefined, "application/xml"], // Eureka's default, what Python and Go clients read
    ];
    for (const path of ["", "delta", "NEG"]) {
      for (const [accept, type] of cases) {
        const answer = await get(`${registry.url}/eureka/apps/${path}`, accept === undefined ? {} : { accept });
        expect([path, accept, answer.status, answer.headers["content-type"]?.split(";")[0]]).toEqual([
          path,
          accept,
          200,
          type,
        ]);
      }
    }
    // A single instance keeps the @Produces order (InstanceResource): XML first is XML.
    const one = await get(`${registry.url}/eureka/apps/NEG/neg-1`, { accept: springXmlFirst });
    expect(one.headers["content-type"]?.split(";")[0]).toBe("application/xml");
  });

  it("a heartbeat's 404 has no body, so the Java client reaches its register-again branch (spring-cloud-netflix#4145)", async () => {
    const registry = await start();
    // The Java client's sendHeartBeat (AbstractJerseyEurekaHttpClient): any body that is not HTML is read as an
    // InstanceInfo under the root name "instance"; a body that is not one throws, and renew() never registers again.
    const heartbeat = async (path: string) => {
      const res = await fetch(`${registry.url}/eureka/apps/${path}?status=UP&lastDirtyTimestamp=1700000000000`, {
        method: "PUT",
        headers: { accept: "application/json" },
      });
      const body = await res.text();
      const type = res.headers.get("content-type") ?? "";
      if (body !== "" && !type.includes("html") && !("instance" in (JSON.parse(body) as object)))
        throw new Error(`Root name does not match expected ('instance') — heartbeat answer ${res.status}`);
      return { status: res.status, code: res.headers.get("x-outrigger-error-code") };
    };
    for (const path of ["GONE/gone-1", "GONE/a%20b", "gone/gone-1/"])
      expect(await heartbeat(path)).toEqual({ status: 404, code: "REGISTRY_NOT_FOUND" });
    await eurekaCalls(registry.url, "GONE").register("gone-1");
    expect((await heartbeat("GONE/gone-1")).status).toBe(200);
  });
});
