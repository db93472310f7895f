// Rules from Netflix/eureka: eureka-core/.../resources/ApplicationsResource.java, ApplicationResource.java and
// InstanceResource.java (@Produces({"application/xml", "application/json"}): XML unless the request asks for JSON;
// ApplicationResource.addInstance @Consumes both), eureka-client/.../converters/Converters.java (XStream's XML:
// `<port enabled="true">`, `<overriddenstatus>`, `<metadata class="java.util.Collections$EmptyMap"/>`) and
// EurekaJacksonCodec.java (the JSON with `$`/`@enabled`). XML is read back here by Python's xml.etree, as the
// Python and Go clients that parse Eureka's default representation do.
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { registryProcesses } from "./eureka-fixture.js";

const start = registryProcesses();

/** Eureka's XML as a JSON-shaped value (attributes as `@name`, text beside attributes as `$`), by Python. */
const PY_XML_TO_JSON = `
import json, sys, xml.etree.ElementTree as ET
REPEATED = {("applications", "application"), ("application", "instance")}
def conv(e):
    attrs = {"@" + k: v for k, v in e.attrib.items()}
    kids = list(e)
    if not kids:
        text = e.text or ""
        if attrs:
            if text: attrs["$"] = text
            return attrs
        return text
    out = dict(attrs)
    for c in kids:
        if (e.tag, c.tag) in REPEATED: out.setdefault(c.tag, []).append(conv(c))
        else: out[c.tag] = conv(c)
    return out
root = ET.fromstring(sys.stdin.buffer.read())
print(json.dumps({root.tag: conv(root)}))
`;

async function xmlAsJson(xml: string): Promise<unknown> {
  const child = execFile("python3", ["-c", PY_XML_TO_JSON]);
  const output = new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`python3 exited ${code}`))));
  });
  child.stdin?.end(xml);
  return JSON.parse(await output);
}

/** The JSON document as XML carries it: every value text, the override element named as XStream names it. */
function asXmlContent(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((v) => asXmlContent(v, key));
  if (value === null || typeof value !== "object") return String(value);
  const out: Record<string, unknown> = {};
  for (const [name, child] of Object.entries(value)) {
    const converted = asXmlContent(child, name);
    if (converted !== undefined)
      out[name === "overriddenStatus" && key === "instance" ? "overriddenstatus" : name] = converted;
  }
  return out;
}

const XML_REGISTRATION = `<?xml version="1.0" encoding="UTF-8"?>
<instance>
  <instanceId>x-1</instanceId>
  <hostName>xml-host</hostName>
  <app>XMLAPP</app>
  <ipAddr>10.0.0.7</ipAddr>
  <sid>sid-7</sid>
  <appGroupName>GROUP</appGroupName>
  <asgName>asg-7</asgName>
  <status>UP</status>
  <overriddenstatus>UNKNOWN</overriddenstatus>
  <port enabled="false">8080</port>
  <securePort enabled="true">8443</securePort>
  <countryId>2</countryId>
  <dataCenterInfo class="com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo"><name>MyOwn</name></dataCenterInfo>
  <leaseInfo><renewalIntervalInSecs>10</renewalIntervalInSecs><durationInSecs>40</durationInSecs></leaseInfo>
  <metadata><zone>eu-1</zone><note>a &amp; b</note></metadata>
  <secureHealthCheckUrl>https://xml-host:8443/health</secureHealthCheckUrl>
  <vipAddress>xmlvip</vipAddress>
  <secureVipAddress>xmlsvip</secureVipAddress>
</instance>`;

describe("Eureka's XML, its default representation (real registry process)", () => {
  it("reads XML registrations, answers XML unless Accept names JSON, equal in content on every read route", async () => {
    const registry = await start();
    const eureka = `${registry.url}/eureka`;
    const posted = await fetch(`${eureka}/apps/XMLAPP`, {
      method: "POST",
      headers: { "content-type": "application/xml" },
      body: XML_REGISTRATION,
    });
    expect(posted.status).toBe(204);
    const json = await fetch(`${eureka}/apps/XMLAPP`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        instance: {
          instanceId: "j-1",
          hostName: "json-host",
          app: "XMLAPP",
          ipAddr: "10.0.0.8",
          status: "UP",
          port: { $: 9090, "@enabled": "true" },
          vipAddress: "xmlvip",
          dataCenterInfo: { "@class": "com.netflix.appinfo.InstanceInfo$DefaultDataCenterInfo", name: "MyOwn" },
          metadata: { zone: "eu-2" },
        },
      }),
    });
    expect(json.status).toBe(204);

    // Every field the XML client sent is kept and none is made up: no page URL or vip it did not send (Eureka's
    // codec writes InstanceInfo's @Auto fields only when set).
    const one = (await (
      await fetch(`${eureka}/apps/XMLAPP/x-1`, { headers: { accept: "application/json" } })
    ).json()) as { instance: Record<string, unknown> };
    expect(one.instance).toMatchObject({
      sid: "sid-7",
      appGroupName: "GROUP",
      asgName: "asg-7",
      countryId: 2,
      port: { $: 8080, "@enabled": "false" },
      securePort: { $: 8443, "@enabled": "true" },
      leaseInfo: { renewalIntervalInSecs: 10, durationInSecs: 40 },
      metadata: { zone: "eu-1", note: "a & b" },
      secureHealthCheckUrl: "https://xml-host:8443/health",
    });
    for (const made of ["homePageUrl", "statusPageUrl", "healthCheckUrl"])
      expect(one.instance).not.toHaveProperty(made);

    for (const path of [
      "/apps",
      "/apps/delta",
      "/apps/XMLAPP",
      "/apps/XMLAPP/x-1",
      "/apps/XMLAPP/j-1",
      "/instances/j-1",
      "/vips/xmlvip",
      "/svips/xmlsvip",
    ]) {
      const asXml = await fetch(`${eureka}${path}`);
      expect(asXml.headers.get("content-type"), path).toMatch(/^application\/xml/);
      const asJson = await fetch(`${eureka}${path}`, { headers: { accept: "application/json" } });
      expect(asJson.headers.get("content-type"), path).toMatch(/^application\/json/);
      expect(await xmlAsJson(await asXml.text()), path).toEqual(asXmlContent(await asJson.json()));
    }
  });

  it("answers a replicated renew's 409 in the representation asked for", async () => {
    const registry = await start();
    const eureka = `${registry.url}/eureka`;
    await fetch(`${eureka}/apps/XMLAPP`, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body: XML_REGISTRATION.replace(
        "<overriddenstatus>",
        "<lastDirtyTimestamp>2000</lastDirtyTimestamp><overriddenstatus>",
      ),
    });
    const conflict = await fetch(`${eureka}/apps/XMLAPP/x-1?lastDirtyTimestamp=1000`, {
      method: "PUT",
      headers: { "x-netflix-discovery-replication": "true" },
    });
    expect(conflict.status).toBe(409);
    const body = (await xmlAsJson(await conflict.text())) as { instance: { lastDirtyTimestamp: string } };
    expect(body.instance.lastDirtyTimestamp).toBe("2000");
  });
});
