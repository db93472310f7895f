import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepTempFiles, writeFileAtomic } from "./atomic-file.js";

/** The id of a process that ran and has exited (a real one: no PID is guessed). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid as number;
}

describe("writeFileAtomic and sweepTempFiles (real files, real processes)", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "outrigger-atomic-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("replaces the file whole, mode 0600, leaving no temp file; a missing directory is made only with dirMode", async () => {
    const path = join(dir, "state", "a.json");
    await expect(writeFileAtomic(path, "one")).rejects.toMatchObject({ code: "ENOENT" });
    await writeFileAtomic(path, "one", { dirMode: 0o700 });
    await writeFileAtomic(path, new TextEncoder().encode("two"), { dirMode: 0o700, sync: false });
    expect(await readFile(path, "utf8")).toBe("two");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "state"))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, "state"))).toEqual(["a.json"]);
  });

  it("a failed rename (the path is a directory) throws the fs error and removes its temp file", async () => {
    const path = join(dir, "taken");
    await mkdir(join(path, "inside"), { recursive: true });
    await expect(writeFileAtomic(path, "x")).rejects.toMatchObject({ code: expect.stringMatching(/EISDIR|ENOTEMPTY/) });
    expect(await readdir(dir)).toEqual(["taken"]);
  });

  it("the first write of a path removes the temp files of it that dead processes left, and nothing else", async () => {
    const dead = await deadPid();
    const path = join(dir, "a.json");
    const names = {
      deadNew: `a.json.${dead}-3.tmp`,
      deadOld: `a.json.${dead}.7.tmp`, // discovery's snapshot naming before this module
      live: `a.json.${process.ppid}-1.tmp`, // a running process may be writing it now
      otherFile: `b.json.${dead}-1.tmp`,
      notATemp: "a.json.notes.tmp",
    };
    for (const name of Object.values(names)) await writeFile(join(dir, name), "left");
    await writeFileAtomic(path, "now");
    expect((await readdir(dir)).sort()).toEqual(["a.json", names.live, names.otherFile, names.notATemp].sort());
    // Once per path per process: a temp left after the first write stays until a new process writes.
    await writeFile(join(dir, names.deadNew), "again");
    await writeFileAtomic(path, "later");
    expect(await readdir(dir)).toContain(names.deadNew);
    await sweepTempFiles(path);
    expect(await readdir(dir)).not.toContain(names.deadNew);
  });

  it("a write that fails part-way (the file-size limit: EFBIG, as a full disk's ENOSPC) keeps the old file whole and leaves no temp file", async () => {
    // hashicorp/consul#3207: a partial write on a full disk left a torn file the agent then failed to start on.
    const path = join(dir, "a.json");
    await writeFileAtomic(path, "old and whole");
    const fixture = new URL("./atomic-file.fixture.ts", import.meta.url).pathname;
    const node = `"${process.execPath}" --conditions=@outrigger/source --import tsx "${fixture}"`;
    // 2 048 blocks (1–2 MiB: the shell's block is 512 or 1 024 bytes) for a 4 MiB write.
    const { stdout } = await promisify(execFile)("sh", ["-c", `ulimit -f 2048 && exec ${node} "${path}" 4194304`]);
    expect(JSON.parse(stdout)).toEqual({ ok: false, code: "EFBIG" });
    expect(await readFile(path, "utf8")).toBe("old and whole");
    expect(await readdir(dir)).toEqual(["a.json"]);
  });

  it("sweepTempFiles of a path in a directory that does not exist does nothing", async () => {
    await expect(sweepTempFiles(join(dir, "missing", "a.json"))).resolves.toBeUndefined();
  });
});
