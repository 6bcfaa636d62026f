import { describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';

describe('threadline --help', () => {
  it('documents every exit code', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const line of [
      '0    done',
      '1    failed: Redis unreachable',
      '2    invalid config, payload or usage',
      '3    serve: the HTTP port is in use',
      '130  serve: a SIGINT while starting, or a second one during the shutdown (143 for SIGTERM)',
    ])
      expect(help.out).toContain(line);
  });
});
