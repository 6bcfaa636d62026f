import { afterEach } from 'vitest';
import { assemble } from '../../src/assemble.js';
import { type ConsoleSession, openConsoleSession } from '../../src/chat/console-session.js';
import { testConfig } from './config.js';
import { capturingLogger } from './logs.js';
import { dropPrefix, uniquePrefix } from './redis.js';

/** Types one line into the console and answers what the console printed for it, replies settled. */
export type ConsoleRun = (line: string) => Promise<string>;

export interface ConsoleHarness {
  /** Closes a started fake after the test. */
  track<F extends { close(): Promise<unknown> }>(fake: F): F;
  /**
   * The app on a test config with `extra` (usually its `integrations:` block) under its own key
   * prefix, `user` a responder, and a console session as that user.
   */
  open(options: {
    label: string;
    extra: string;
    env?: Record<string, string>;
    user?: string;
  }): Promise<ConsoleRun>;
}

/**
 * Console sessions for a describe block: after each test the apps it opened, their keys and the
 * fakes it tracked go, the last opened first. Call it inside the describe.
 */
export function consoleHarness(): ConsoleHarness {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  });
  return {
    track(fake) {
      cleanup.push(() => fake.close());
      return fake;
    },
    async open({ label, extra, env = {}, user = 'alice' }) {
      const prefix = uniquePrefix(label);
      cleanup.push(() => dropPrefix(prefix));
      const loaded = testConfig(prefix, `\nrbac: { roles: { responder: ["console:${user}"] } }${extra}`, env);
      const output: string[] = [];
      const write = (t: string) => output.push(t);
      const app = await assemble(loaded, { role: 'console', logger: capturingLogger(loaded).logger, write });
      cleanup.push(() => app.close());
      const s: ConsoleSession = openConsoleSession(app.chat, { user, write });
      return async (line) => {
        const before = output.length;
        await s.settle(await s.run(line));
        return output.slice(before).join('');
      };
    },
  };
}
