import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RegistryProcess, runCli, spawnRegistry } from "./spawn-registry.js";

const TOKEN = "hostile-s3cret";
const SECRET = "s3cr3t-pw";
const auth = { authorization: `Bearer ${TOKEN}` };

let registry: RegistryProcess;
let dir = "";
beforeAll(async () => {
  registry = await spawnRegistry(["--port", "0", "--token", TOKEN]);
  dir = await mkdtemp(join(tmpdir(), "policy-hostile-"));
});
afterAll(async () => {
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const native = (name: string, spec: string) =>
  `apiVersion: outrigger.dev/v1\nkind: TrafficPolicy\nmetadata: { name: ${name} }\nspec: ${spec}\n`;

const apply = (body: string | Uint8Array, query = "") =>
  fetch(`${registry.url}/outrigger/policy/apply${query}`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/yaml" },
    body,
  });

/** The service's current revision, 0 when it never had a policy. */
async function revisionOf(service: string): Promise<number> {
  const res = await fetch(`${registry.url}/outrigger/policy/services/${service}/history`, { headers: auth });
  if (res.status === 404) return 0;
  const { revisions } = (await res.json()) as { revisions: { revision: number }[] };
  return revisions.at(-1)?.revision ?? 0;
}

/** Runs `outrigger-registry <args>` as a process; the token travels in its environment. */
const cli = (args: string[]) => runCli(args, TOKEN);

describe("hostile policy input against a real registry process and CLI (breaker, issue 19)", () => {
  it("answers an alias bomb ('billion laughs') with 400 and keeps serving", async () => {
    // Nine levels of nine aliases each: 9^9 (387 million) strings once expanded.
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i += 1) {
      const [name, prev] = [String.fromCharCode(97 + i), String.fromCharCode(96 + i)];
      levels.push(`${name}: &${name} [${Array.from({ length: 9 }, () => `*${prev}`).join(", ")}]`);
    }
    const res = await apply(`${levels.join("\n")}\n`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "REGISTRY_POLICY_LIMIT",
      message: expect.stringMatching(/aliases/),
    });
    expect((await fetch(`${registry.url}/outrigger/policy`, { headers: auth })).status).toBe(200);
  });

  it("answers YAML and JSON nested past the stack with 400, not 500", async () => {
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    const yaml = await apply(native("deep", `{ destination: { fallback: { value: ${deep(20_000)} } } }`));
    expect(yaml.status).toBe(400);
    expect(((await yaml.json()) as { code: string }).code).toMatch(/^REGISTRY_POLICY_(LIMIT|INVALID)$/);
    const json = await fetch(`${registry.url}/outrigger/policy/services/deep`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: `{"destination":{"fallback":{"value":${deep(30_000)}}}}`,
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ issues: ["(policy): nested deeper than 32 levels"] });
    expect(await revisionOf("deep")).toBe(0);
  });

  it("refuses a dryRun it does not know instead of applying for real", async () => {
    const res = await apply(native("dry", "{ routes: [{ route: [{}] }] }"), "?dryRun=1");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: "REGISTRY_POLICY_INVALID",
      message: expect.stringMatching(/dryRun/),
    });
    expect(await revisionOf("dry")).toBe(0);
  });

  it("refuses a path {SERVICE} that names no service (a key of '*' or a control character)", async () => {
    for (const name of ["%2A", "%1B%5B31m", "-x"]) {
      const res = await fetch(`${registry.url}/outrigger/policy/services/${name}`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/json" },
        body: "{}",
      });
      expect(res.status).toBe(400);
    }
    const all = (await (await fetch(`${registry.url}/outrigger/policy`, { headers: auth })).json()) as {
      services: { service: string }[];
    };
    expect(all.services.map((s) => s.service)).not.toContain("*");
  });

  it("refuses a body that is not UTF-8 instead of storing U+FFFD in a header value", async () => {
    const spec = '{ routes: [{ match: [{ headers: { x-city: { exact: "Zürich" } } }], route: [{}] }] }';
    const res = await apply(Buffer.from(native("latin", spec), "latin1"));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: expect.stringMatching(/not UTF-8/) });
    const json = await fetch(`${registry.url}/outrigger/policy/services/latin`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: Buffer.from(
        JSON.stringify({ routes: [{ match: [{ headers: { "x-city": { exact: "Zürich" } } }], route: [{}] }] }),
        "latin1",
      ),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({
      code: "REGISTRY_POLICY_INVALID",
      message: expect.stringMatching(/not UTF-8/),
    });
    expect(await revisionOf("latin")).toBe(0);
  });

  it("never echoes a secret the policy carries: in a 400, nor in a NACK's reason", async () => {
    const regex = await fetch(`${registry.url}/outrigger/policy/services/hook`, {
      method: "PUT",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        routes: [{ match: [{ uri: { regex: `^/hook/https://bot:${SECRET}@chat.example.com/(` } }], route: [{}] }],
      }),
    });
    expect(regex.status).toBe(400);
    expect(await regex.text()).not.toContain(SECRET);
    const key = await apply(native("hook", `{ "https://bot:${SECRET}@chat.example.com/": 1 }`));
    expect(key.status).toBe(400);
    expect(await key.text()).not.toContain(SECRET);
    const report = await fetch(`${registry.url}/outrigger/policy/reports`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({
        service: "hook",
        clientId: "p1",
        revision: 1,
        status: "NACK",
        reason: `fetch https://bot:${SECRET}@chat.example.com/ failed; Authorization: Bearer ${SECRET}`,
      }),
    });
    expect(report.status).toBe(200);
    const reports = await fetch(`${registry.url}/outrigger/policy/reports`, { headers: auth });
    expect(await reports.text()).not.toContain(SECRET);
  });

  it("refuses a NACK reason of 1 MB with 413, as any body over the limit", async () => {
    const res = await fetch(`${registry.url}/outrigger/policy/reports`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ service: "big", clientId: "p", revision: 1, status: "NACK", reason: "x".repeat(1 << 20) }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: "REGISTRY_BODY_TOO_LARGE" });
  });

  // One limit for a policy text (policy-size.ts): the CLI read files up to 1 MiB while the REST routes took 64 KiB,
  // so a 100 KiB file passed the CLI's check and met a 413 `REGISTRY_BODY_TOO_LARGE` from the registry.
  it("CLI and REST share one policy size limit: 100 KiB applies, 1 MiB + 1 is refused alike", async () => {
    const padded = (bytes: number, name: string) => {
      const doc = native(name, "{ routes: [{ route: [{}] }] }");
      return `${doc}# ${"x".repeat(bytes - doc.length - 3)}\n`;
    };
    const medium = join(dir, "medium.yaml");
    await writeFile(medium, padded(100 * 1024, "medium"));
    const applied = await cli(["apply", "-f", medium, "--url", registry.url]);
    expect(applied).toMatchObject({ code: 0, out: "MEDIUM: revision 1 (changed)\n" });

    const huge = padded(1024 * 1024 + 1, "huge");
    expect(Buffer.byteLength(huge)).toBe(1024 * 1024 + 1);
    const rest = await apply(huge);
    expect(rest.status).toBe(413);
    const answer = (await rest.json()) as { code: string; message: string };
    expect(answer).toMatchObject({
      code: "REGISTRY_POLICY_LIMIT",
      message: expect.stringMatching(/larger than 1 MiB/),
    });
    // Refused before sending: the same words even with no registry at the URL (port 1 answers nothing here).
    const file = join(dir, "huge.yaml");
    await writeFile(file, huge);
    const refused = await cli(["apply", "-f", file, "--url", "http://127.0.0.1:1"]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(`outrigger-registry apply: ${answer.code}: ${answer.message}\n`);
    expect(await revisionOf("huge")).toBe(0);
  });

  it("CLI: refuses a FIFO (or device) as -f FILE at once instead of hanging on it", async () => {
    const fifo = join(dir, "policy.yaml");
    execFileSync("mkfifo", [fifo]);
    const result = await cli(["apply", "-f", fifo, "--url", registry.url]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("is not a regular file");
  });

  it("CLI: refuses a --url carrying credentials without printing them", async () => {
    const url = registry.url.replace("http://", `http://admin:${SECRET}@`);
    const result = await cli(["get", "orders", "--url", url]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("OUTRIGGER_REGISTRY_TOKEN");
    expect(result.err + result.out).not.toContain(SECRET);
  });

  it("CLI: rolls back to a revision never written or pruned with exit 1 naming the kept range", async () => {
    await apply(native("back", "{ routes: [{ route: [{}] }] }"));
    const result = await cli(["rollback", "back", "--to", "999", "--url", registry.url]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("REGISTRY_POLICY_NOT_FOUND: BACK has no revision 999 (kept: 1–1)");
  });

  it("CLI: concurrent applies of one service get distinct, increasing revisions and lose none", {
    timeout: 60_000,
  }, async () => {
    const files = await Promise.all(
      Array.from({ length: 4 }, async (_, i) => {
        const file = join(dir, `concurrent-${i}.yaml`);
        await writeFile(file, native("race", `{ routes: [{ route: [{}], retry: { maxAttempts: ${i + 1} } }] }`));
        return file;
      }),
    );
    const results = await Promise.all(files.map((file) => cli(["apply", "-f", file, "--url", registry.url])));
    const revisions = results.map((r) => Number(/revision (\d+)/.exec(r.out)?.[1])).sort((x, y) => x - y);
    expect(results.every((r) => r.code === 0)).toBe(true);
    expect(revisions).toEqual([1, 2, 3, 4]);
    expect(await revisionOf("race")).toBe(4);
  });
});
