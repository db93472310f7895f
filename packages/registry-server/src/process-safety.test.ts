import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const safety = fileURLToPath(new URL("./process-safety.ts", import.meta.url));

/** A child Node process that installs the guard (or not) and then leaves two rejections unhandled. */
const script = (install: boolean) => `
  const { installProcessSafety, unhandledRejections } = await import(${JSON.stringify(safety)});
  if (${install}) installProcessSafety({ error: (fields, message) => console.error(JSON.stringify({ message, ...fields })) });
  Promise.reject(new Error("probe exploded"));
  Promise.reject("plain reason");
  setTimeout(() => console.log(JSON.stringify({ alive: true, counted: unhandledRejections() })), 50);
`;

describe("process safety (real child processes)", () => {
  it("logs and counts an unhandled rejection instead of exiting", async () => {
    const { stdout, stderr } = await run(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      script(true),
    ]);
    expect(JSON.parse(stdout)).toEqual({ alive: true, counted: 2 });
    expect(stderr).toContain('"message":"probe exploded"');
    expect(stderr).toContain('"reason":"plain reason"');
  });

  it("without it, Node's default ends the process on the first one (what the CLI did before)", async () => {
    await expect(
      run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script(false)]),
    ).rejects.toMatchObject({
      code: 1,
    });
  });
});
