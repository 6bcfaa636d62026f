import { runCli } from './cli/program.js';

/** How long a finished command may take to let go of the event loop before it is ended. */
const EXIT_GRACE_MS = 2_000;

/** The composition root: the one place that reads process.env and process.argv. */
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
  // Every command has closed what it opened, but a library may keep a reconnect timer alive
  // (BullMQ's blocking connections while Redis is gone): the answer is given, so end anyway.
  setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
}
