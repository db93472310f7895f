import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * Opening non-blocking makes `open()` of a FIFO return at once instead of waiting for a writer (for ever, on the
 * event loop for a sync read, or holding one of libuv's four pool threads for an async one); the file-type check
 * then refuses it. A regular file ignores the flag.
 */
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** The error of a file that cannot be read safely: `code` `EFTYPE` (not a regular file) or `EFBIG` (over the cap). */
function refused(path: string, code: "EFTYPE" | "EFBIG", detail: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${path} ${detail}`), { code, path });
}

/** Read in pieces, so a small file costs a small buffer whatever the cap. */
const CHUNK_BYTES = 64 * 1024;

/** The pieces read as one buffer, or EFBIG when there were more than `maxBytes` (one byte past the cap is read). */
function whole(path: string, chunks: readonly Buffer[], size: number, maxBytes: number): Buffer {
  if (size > maxBytes) throw refused(path, "EFBIG", `is larger than ${maxBytes} bytes`);
  return Buffer.concat(chunks, size);
}

/**
 * Reads a file someone else controls (a mounted Secret, a ConfigMap) without ever blocking or holding more than
 * `maxBytes`: it must be a regular file (a FIFO, socket, device or directory is refused with `code` `EFTYPE`), and
 * more than `maxBytes` bytes — checked by reading, so a file growing after the size check is refused too — throws
 * `code` `EFBIG`. Other failures are the `fs` error (`ENOENT`, `EACCES`, `ELOOP` for a symlink loop).
 */
export function readBoundedFileSync(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, READ_FLAGS);
  try {
    if (!fstatSync(fd).isFile()) throw refused(path, "EFTYPE", "is not a regular file");
    const chunks: Buffer[] = [];
    let size = 0;
    for (let n = 1; n > 0 && size <= maxBytes; size += n) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - size));
      n = readSync(fd, chunk, 0, chunk.length, null);
      chunks.push(chunk.subarray(0, n));
    }
    return whole(path, chunks, size, maxBytes);
  } finally {
    closeSync(fd);
  }
}

/** `readBoundedFileSync` without blocking the event loop for the read (same rules and errors). */
export async function readBoundedFile(path: string, maxBytes: number): Promise<Buffer> {
  const handle = await open(path, READ_FLAGS);
  try {
    if (!(await handle.stat()).isFile()) throw refused(path, "EFTYPE", "is not a regular file");
    const chunks: Buffer[] = [];
    let size = 0;
    for (let n = 1; n > 0 && size <= maxBytes; size += n) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - size));
      n = (await handle.read(chunk, 0, chunk.length, null)).bytesRead;
      chunks.push(chunk.subarray(0, n));
    }
    return whole(path, chunks, size, maxBytes);
  } finally {
    await handle.close();
  }
}
