#!/usr/bin/env node
import { helpText, parseCliOptions } from "./cli-options.js";
import { POLICY_COMMANDS, POLICY_HELP, runPolicyCommand } from "./policy/cli-commands.js";
import { installProcessSafety } from "./process-safety.js";
import { startServer } from "./server.js";

async function main(): Promise<void> {
  const [first] = process.argv.slice(2);
  if (POLICY_COMMANDS.includes(first as (typeof POLICY_COMMANDS)[number])) {
    const io = { out: (t: string) => process.stdout.write(t), err: (t: string) => process.stderr.write(t) };
    process.exitCode = await runPolicyCommand(process.argv.slice(2), process.env, io);
    return;
  }
  let parsed: ReturnType<typeof parseCliOptions>;
  try {
    parsed = parseCliOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`outrigger-registry: ${(error as Error).message}\n\n${helpText()}`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${helpText()}\n${POLICY_HELP}`);
    return;
  }
  // A stray rejection is logged (one JSON line on stderr) and counted, never the end of the registry.
  installProcessSafety({
    error: (fields, message) => process.stderr.write(`${JSON.stringify({ level: "error", message, ...fields })}\n`),
  });
  const server = await startServer({
    ...parsed.options,
    // GitOps: each applied or refused policy file is a JSON line naming the file.
    onPolicyDirEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    // Each certificate rotation is a JSON line too; a failed one names the files, never their content.
    onTlsReload: (error) =>
      process.stdout.write(
        `${JSON.stringify(error ? { event: "tls-reload-failed", message: error.message } : { event: "tls-reloaded" })}\n`,
      ),
  });
  const stop = (signal: NodeJS.Signals): void => {
    // Graceful: stop accepting, let in-flight requests finish, end dashboard streams, then say so and exit.
    server.close().then(
      () => {
        process.stdout.write(`${JSON.stringify({ event: "closed", signal })}\n`);
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  // One JSON line on stdout, so scripts and tests can wait for the event instead of sleeping. Printed after the
  // signal handlers exist: a supervisor that sends SIGTERM as soon as it reads this line (seen in tests under load)
  // otherwise met Node's default action, an exit without closing.
  process.stdout.write(
    `${JSON.stringify({ event: "listening", url: server.url, port: server.port, synced: server.synced })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`outrigger-registry: could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
