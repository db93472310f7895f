import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EurekaInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { createLbAxios } from "@outrigger/loadbalancer/axios";
import { afterAll, describe, expect, it } from "vitest";
import type { Child } from "../src/child.js";
import { startHello, startHelloProcess, startRegistry } from "../src/fleet.js";
import { settings } from "../src/settings.js";

const WRITE = "quickstart-write-7e1d";
const READ = "quickstart-read-3b9a";

/** A self-signed certificate for 127.0.0.1 (its own CA), made with Debian's `openssl`. */
function certificate(): { certFile: string; keyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "quickstart-tls-"));
  const files = { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") };
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1"],
      ...["-keyout", files.keyFile, "-out", files.certFile, "-subj", "/CN=quickstart registry"],
      ...["-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  return files;
}

// The quickstart with its registry locked down: --token, --read-token and TLS. Real processes and sockets.
describe("quickstart against a registry with tokens and TLS", () => {
  const config = settings();
  const children: Child[] = [];
  let instancer: EurekaInstancer | undefined;
  afterAll(async () => {
    instancer?.close();
    await Promise.all(children.map((c) => c.stop("SIGKILL")));
  });

  it("createOutrigger registers with the write token over TLS; a caller on the parts discovers with a rotating read token", async () => {
    const { certFile, keyFile } = certificate();
    const registry = await startRegistry(config, 0, [
      ...["--token", WRITE, "--read-token", READ, "--tls-cert", certFile, "--tls-key", keyFile],
    ]);
    children.push(registry.child);
    expect(registry.url).toMatch(/^https:\/\//);
    // og takes the token from config (here its environment variable) and the registry's CA from Node's own setting.
    const secure = { OUTRIGGER_REGISTRY_TOKEN: WRITE, NODE_EXTRA_CA_CERTS: certFile };

    // With a wrong token the service cannot register, and says so without printing the token.
    const intruder = startHelloProcess("intruder", registry.url, {
      NODE_EXTRA_CA_CERTS: certFile,
      OUTRIGGER_REGISTRY_TOKEN: "intruder-wrong-token",
    });
    children.push(intruder);
    const refused = await intruder.waitFor((e) => e.event === "registry-error");
    expect(String(refused.message)).toContain("refused the request (401)");
    expect(JSON.stringify(refused)).not.toContain("intruder-wrong-token");
    await intruder.stop("SIGKILL");

    const [one, two] = [
      await startHello("hello-1", registry.url, secure),
      await startHello("hello-2", registry.url, secure),
    ];
    children.push(one, two);
    // A read token that rotates (a function) and a CA in code are options of the parts, not of og's config.
    let token = READ;
    const discovery = new EurekaInstancer({
      registryUrl: `${registry.url}/eureka`,
      service: "hello",
      token: () => token,
      tls: { ca: readFileSync(certFile) },
    });
    instancer = discovery;
    expect((await discovery.refresh()).instances).toHaveLength(2);
    const balancer = createBalancer({ instancer: discovery });
    const http = createLbAxios({ balancer: (name) => (name === "hello" ? balancer : undefined) });
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push((await http.get<{ from: string }>("lb://hello/")).data.from);
    expect(new Set(answers)).toEqual(new Set(["hello-1", "hello-2"]));

    // A rotated (here: wrong) token is used on the next fetch; the error names neither token.
    token = "rotated-wrong";
    const error = (await discovery.refresh().catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).toBe("DISCOVERY_UNAUTHORIZED");
    for (const secret of [WRITE, READ, "rotated-wrong"]) expect(error.message).not.toContain(secret);
    token = READ;
    expect((await discovery.refresh()).instances).toHaveLength(2);
  });
});
