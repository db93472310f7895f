import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readBoundedFile, readBoundedFileSync } from "./bounded-file.js";

/** Real files, a real FIFO (mkfifo), a real directory and a real symlink loop. */
function fixture(): Record<"file" | "big" | "fifo" | "dir" | "loop" | "missing", string> {
  const dir = mkdtempSync(join(tmpdir(), "bounded-file-"));
  const paths = {
    file: join(dir, "ok.pem"),
    big: join(dir, "big.pem"),
    fifo: join(dir, "fifo.pem"),
    dir: join(dir, "dir.pem"),
    loop: join(dir, "loop.pem"),
    missing: join(dir, "missing.pem"),
  };
  writeFileSync(paths.file, "hello");
  writeFileSync(paths.big, Buffer.alloc(200 * 1024, 1));
  execFileSync("mkfifo", [paths.fifo]);
  mkdirSync(paths.dir);
  symlinkSync(paths.loop, paths.loop);
  return paths;
}

describe.each([
  ["readBoundedFileSync", async (path: string, max: number) => readBoundedFileSync(path, max)],
  ["readBoundedFile", readBoundedFile],
])("%s", (_name, read) => {
  const paths = fixture();

  it("reads a regular file within the cap, across read chunks", async () => {
    expect((await read(paths.file, 5)).toString()).toBe("hello");
    expect((await read(paths.big, 200 * 1024)).length).toBe(200 * 1024);
  });

  it("refuses a file one byte over the cap with EFBIG, without reading it all", async () => {
    await expect(read(paths.file, 4)).rejects.toMatchObject({ code: "EFBIG" });
    await expect(read(paths.big, 100 * 1024)).rejects.toMatchObject({ code: "EFBIG" });
  });

  it("refuses a FIFO with no writer at once (EFTYPE) instead of waiting for one", async () => {
    await expect(read(paths.fifo, 1024)).rejects.toMatchObject({ code: "EFTYPE" });
  });

  it("refuses a directory (EFTYPE or EISDIR), and passes fs errors through", async () => {
    await expect(read(paths.dir, 1024)).rejects.toMatchObject({ code: expect.stringMatching(/EFTYPE|EISDIR/) });
    await expect(read(paths.loop, 1024)).rejects.toMatchObject({ code: "ELOOP" });
    await expect(read(paths.missing, 1024)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
