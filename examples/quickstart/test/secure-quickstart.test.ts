import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Child } from "../src/child.js";
import { createHelloClient, type HelloClient, startHello, startRegistry } from "../src/fleet.js";
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
  let client: HelloClient | undefined;
  afterAll(async () => {
    client?.close();
    await Promise.all(children.map((c) => c.stop("SIGKILL")));
  });

  it("registers with the write token, discovers with a rotating read token, and calls lb:// through createLbAxios", async () => {
    const { certFile, keyFile } = certificate();
    const registry = await startRegistry(config, 0, [
      ...["--token", WRITE, "--read-token", READ, "--tls-cert", certFile, "--tls-key", keyFile],
    ]);
    children.push(registry.child);
    expect(registry.url).toMatch(/^https:\/\//);
    const secure = { OUTRIGGER_REGISTRY_TOKEN: WRITE, OUTRIGGER_REGISTRY_CA_FILE: certFile };

    // With a wrong token the service cannot register, and says so without printing the token.
    const intruder = startUnregistered("intruder", registry.url, {
      OUTRIGGER_REGISTRY_CA_FILE: certFile,
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
    let token = READ;
    client = createHelloClient(config, registry.url, { token: () => token, tls: { ca: readFileSync(certFile) } });
    await client.waitForInstances(2);
    const answers: string[] = [];
    for (let i = 0; i < 10; i++) answers.push((await client.http.get<{ from: string }>("lb://hello/")).data.from);
    expect(new Set(answers)).toEqual(new Set(["hello-1", "hello-2"]));

    // A rotated (here: wrong) token is used on the next fetch; the error names neither token.
    token = "rotated-wrong";
    const error = (await client.instancer.refresh().catch((e: unknown) => e)) as Error & { code?: string };
    expect(error.code).toBe("DISCOVERY_UNAUTHORIZED");
    for (const secret of [WRITE, READ, "rotated-wrong"]) expect(error.message).not.toContain(secret);
    token = READ;
    expect((await client.instancer.refresh()).instances).toHaveLength(2);
  });
});

/** A `hello` process that is not expected to register: returned at once, without waiting for an event. */
function startUnregistered(name: string, registryUrl: string, env: NodeJS.ProcessEnv): Child {
  const hello = fileURLToPath(new URL("../src/hello.ts", import.meta.url));
  return new Child(name, process.execPath, ["--import", "tsx", hello], {
    HELLO_NAME: name,
    OUTRIGGER_REGISTRY_URL: registryUrl,
    ...env,
  });
}
