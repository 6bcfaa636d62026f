import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { People, PeopleConfig } from '../../src/workflows/people.js';
import { cli } from '../support/cli.js';

const ALICE_DISCORD = '80351110224678912';

const people = new People(
  PeopleConfig.parse({
    alice: {
      name: 'Alice Example',
      email: 'alice@example.com',
      slack: 'U0ALICE',
      discord: ALICE_DISCORD,
      teams: '29:1alice',
    },
    bob: { slack: 'U0BOB', teams: { id: '8f2c0c1e-aaaa-bbbb-cccc-111122223333', name: 'Bob B.' } },
  }),
);

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('people and their mentions', () => {
  it('finds a person by name, display name, e-mail or platform id, in any case', () => {
    for (const name of [
      'alice',
      'ALICE',
      'Alice Example',
      'alice@example.com',
      'slack:U0ALICE',
      `discord:${ALICE_DISCORD}`,
      'teams:29:1alice',
    ])
      expect(people.find(name)?.key, name).toBe('alice');
    expect(people.find('carol')).toBeUndefined();
  });

  it("gives each platform's id, and Teams the display name the mention shows", () => {
    expect(people.mention('alice')).toEqual({
      name: 'alice',
      slack: 'U0ALICE',
      discord: ALICE_DISCORD,
      teams: { id: '29:1alice', name: 'Alice Example' },
    });
    expect(people.mention('bob')).toEqual({
      name: 'bob',
      slack: 'U0BOB',
      teams: { id: '8f2c0c1e-aaaa-bbbb-cccc-111122223333', name: 'Bob B.' },
    });
  });

  it('mentions a slack: or discord: target nobody lists on its own platform, and nobody else', () => {
    expect(people.mention('slack:U0LEAD')).toEqual({ name: 'slack:U0LEAD', slack: 'U0LEAD' });
    expect(people.mention(`discord:${ALICE_DISCORD}1`)).toEqual({
      name: `discord:${ALICE_DISCORD}1`,
      discord: `${ALICE_DISCORD}1`,
    });
    expect(people.mention('Carol')).toBeUndefined();
    expect(people.mention('slack:<!channel>')).toBeUndefined();
    expect(new People().mention('alice')).toBeUndefined();
  });

  it('refuses ids that are not ids, and a Discord id written as a bare number', () => {
    expect(problems(`people:\n  alice: { discord: ${ALICE_DISCORD} }\n`)).toEqual([
      'people.alice.discord: write the Discord user id in quotes (a bare number loses its last digits)',
    ]);
    expect(problems('people:\n  alice: { slack: "<!channel>" }\n')).toEqual([
      'people.alice.slack: must be a Slack user id such as U0123ABCD',
    ]);
    expect(problems('people:\n  alice: { teams: { id: "29:1a", name: "<at>x" } }\n')).toEqual([
      'people.alice.teams.name: must not contain < > & or line breaks',
    ]);
    expect(problems('people:\n  alice: { pager: x }\n')[0]).toContain('people.alice');
  });

  it('validates an incident channel per platform', () => {
    const { config } = parseConfigText(
      'incidents: { channels: { slack: C0INCIDENTS, discord: "1300000000000000001", teams: "19:abc@thread.tacv2" } }',
      {},
    );
    expect(config.incidents.channels).toEqual({
      slack: 'C0INCIDENTS',
      discord: '1300000000000000001',
      teams: '19:abc@thread.tacv2',
    });
    expect(parseConfigText('integrations: {}', {}).config.incidents).toEqual({ channels: {} });
    expect(problems('incidents: { channels: { slack: "#incidents" } }')).toEqual([
      'incidents.channels.slack: must be a Slack channel id such as C0123ABCD',
    ]);
  });

  it('has validate note who is announced as plain text and which incident channel is idle, without failing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tl-people-')), 'specs.config.yaml');
    writeFileSync(
      file,
      `
people:
  alice: { slack: U0ALICE }
incidents:
  channels: { discord: "1300000000000000001" }
escalations:
  default_policy: p
  policies:
    p:
      steps:
        - { wait: 5m, notify: ["oncall:primary", "alice", "slack:U0LEAD", "Carol"] }
oncall:
  schedules:
    primary:
      rotation: { members: [alice, dave], start: "2026-01-05T09:00:00Z" }
    unused:
      rotation: { members: [erin], start: "2026-01-05T09:00:00Z" }
`,
    );
    const result = await cli(['validate', '--config', file]);
    expect(result.code).toBe(0);
    const notices = result.out.split('\n').filter((l) => l.startsWith('notice:'));
    expect(notices).toEqual([
      'notice: escalations.policies.p.steps[0].notify[3] names Carol, who is announced as plain text: add them under people: with their slack, discord or teams id to have them mentioned',
      'notice: oncall.schedules.primary.rotation.members[1] names dave, who is announced as plain text when escalated to: add them under people: with their slack, discord or teams id to have them mentioned',
      'notice: incidents.channels.discord is not used: platforms.discord is not enabled',
    ]);
  });
});
