import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { Redactor } from '../../../src/observability/redact.js';
import { slackLogger } from '../../../src/platforms/slack/logger.js';

function memoryLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level, redactor: new Redactor([]), destination }), lines };
}

/** An argument that counts how often it is turned into text. */
function counted() {
  const probe = {
    serialised: 0,
    toJSON() {
      probe.serialised += 1;
      return { channel: 'C1' };
    },
  };
  return probe;
}

describe('the Slack libraries’ logger', () => {
  it('writes their messages through ours as one line, tagged with the component', () => {
    const { logger, lines } = memoryLogger('debug');
    slackLogger(logger, 'slack-web-api').warn('http request failed', { status: 502 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ component: 'slack-web-api', msg: 'http request failed {"status":502}' });
  });

  it('builds nothing for a level that is off', () => {
    const { logger, lines } = memoryLogger('info');
    const slack = slackLogger(logger, 'bolt');
    const quiet = counted();
    slack.debug('http request body:', quiet);
    expect(quiet.serialised).toBe(0);
    expect(lines).toHaveLength(0);

    const loud = counted();
    slack.info('connected', loud);
    expect(loud.serialised).toBe(1);
    expect(lines).toHaveLength(1);
  });
});
