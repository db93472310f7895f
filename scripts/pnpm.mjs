#!/usr/bin/env node
// Runs the pinned pnpm (from package.json "packageManager") through npx, so a machine with only Node and npm
// works: no global pnpm, no corepack (whose signature check fails on some machines). Installs the workspace
// first, from the lockfile, so `npm test` and `npm run demo` work straight from a fresh clone.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { packageManager } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const npx = process.platform === "win32" ? "npx.cmd" : "npx";

function pnpm(args) {
  const result = spawnSync(npx, ["--yes", packageManager, ...args], { cwd: root, stdio: "inherit" });
  if (result.error) {
    console.error(`outrigger: could not start ${packageManager} through npx: ${result.error.message}`);
    process.exit(1);
  }
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const frozen = process.env.CI ? ["--frozen-lockfile"] : [];
pnpm(["install", "--prefer-offline", ...frozen]);
pnpm(process.argv.slice(2));
