// Request bodies across retries, through every retry wiring: a stream is never sent twice silently. Field cases
// replayed against real loopback instances and a real file: axios/axios#11181 (review: a streamed PUT answered
// 503 is retried with an empty body and resolves 200), sindresorhus/got#1382 (got retried a stream body),
// axios/axios#6454 (a form-data stream read twice hangs).
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Behaviour, startInstances } from "./seam-fixture.js";
import { retryWirings } from "./seam-wirings.js";

const SIZE = 100_000;
let fleet: Awaited<ReturnType<typeof startInstances>>;
let dir: string;
let file: string;

beforeAll(async () => {
  fleet = await startInstances(["ok", "refuse", "503"]);
  dir = await mkdtemp(join(tmpdir(), "seam-body-"));
  file = join(dir, "upload.bin");
  await writeFile(file, Buffer.alloc(SIZE, 7));
});
afterAll(async () => {
  await fleet.close();
  await rm(dir, { recursive: true, force: true });
});

const chunks = () => Readable.from(Array.from({ length: 10 }, () => Buffer.alloc(SIZE / 10, 1)));

describe.each(retryWirings)("$name", (wiring) => {
  const send = async (method: "put" | "post", first: Behaviour, data: unknown, body?: () => unknown) => {
    fleet.reset();
    const http = wiring.make(fleet.balancer([first, "ok"]));
    return http
      .request({ method, url: "lb://svc/upload", data, ...(body ? { lb: { body } } : {}) })
      .then((response) => ({ response, error: undefined }))
      .catch((error) => ({ response: undefined, error }));
  };

  it("PUT of a 100 kB file stream, first instance 503: LB_BODY_NOT_REPLAYABLE, not 0 bytes and a 200", async () => {
    const { error } = await send("put", "503", createReadStream(file));
    expect(error).toMatchObject({ code: "LB_BODY_NOT_REPLAYABLE", cause: { response: { status: 503 } } });
    expect(fleet.get("ok").received).toBe(0);
  });

  it("PUT of a 100 kB file stream with a body factory: the other instance receives all 100 kB", async () => {
    const { response } = await send("put", "503", createReadStream(file), () => createReadStream(file));
    expect(response?.data).toEqual({ from: "ok", bytes: SIZE });
    expect(fleet.get("ok").bodies).toEqual([SIZE]);
  });

  it("POST of Readable.from(...), first instance refusing: LB_BODY_NOT_REPLAYABLE, nothing sent empty", async () => {
    const { error } = await send("post", "refuse", chunks());
    expect(error).toMatchObject({ code: "LB_BODY_NOT_REPLAYABLE" });
    expect(fleet.get("ok").received).toBe(0);
  });

  it("POST of Readable.from(...) with a body factory, first instance refusing: all 100 kB arrive once", async () => {
    const { response } = await send("post", "refuse", chunks(), chunks);
    expect(response?.data).toEqual({ from: "ok", bytes: SIZE });
    expect(fleet.get("ok").bodies).toEqual([SIZE]);
  });

  it("replays a Buffer, a string and an object body whole", async () => {
    for (const data of [Buffer.alloc(SIZE, 2), "x".repeat(SIZE), { text: "y".repeat(SIZE - 11) }]) {
      const { response } = await send("put", "503", data);
      expect(response?.data).toEqual({ from: "ok", bytes: SIZE });
    }
  });
});
