import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AnyCommand, defineCommand } from '../../../commands/define.js';
import { COMMANDS } from '../../../commands/index.js';
import { resolveCommand } from '../../../src/chat/parse.js';
import { ValidationError } from '../../../src/core/errors.js';
import {
  type DiscordChatCommand,
  type DiscordSubcommand,
  type DiscordSubcommandGroup,
  discordCommandManifest,
  manifestCharacters,
  manifestProblems,
  registerDiscordCommands,
} from '../../../src/platforms/discord/commands-manifest.js';
import { commandText } from '../../../src/platforms/discord/parse.js';
import { FakeDiscordApi, InteractionSender, interactionFixture } from '../../fakes/discord-api.js';
import { testConfig } from '../../support/config.js';
import { uniquePrefix } from '../../support/redis.js';

const APPLICATION_ID = '290926444748734465';

function sub(manifest: DiscordChatCommand, path: string): DiscordSubcommand {
  const [first, second] = path.split(' ');
  const top = manifest.options.find((o) => o.name === first)!;
  if (!second) return top as DiscordSubcommand;
  return (top as DiscordSubcommandGroup).options.find((o) => o.name === second)!;
}

describe('discordCommandManifest', () => {
  const [manifest] = discordCommandManifest(COMMANDS, 'ops') as [DiscordChatCommand];

  it('is one /ops chat command for guilds, with a subcommand per command and groups for two-word names', () => {
    expect(discordCommandManifest(COMMANDS, 'ops')).toHaveLength(1);
    expect(manifest).toMatchObject({ type: 1, name: 'ops', contexts: [0], integration_types: [0] });
    expect(manifest.options.map((o) => `${o.type}:${o.name}`)).toEqual([
      '1:help',
      '1:page',
      '1:incident',
      '1:ack',
      '1:resolve',
      '1:escalate',
      '2:ticket',
      '2:waiver',
      '2:readiness',
      '1:status',
      '1:oncall',
      '1:runbook',
      '1:integrations',
    ]);
    const ticket = manifest.options.find((o) => o.name === 'ticket') as DiscordSubcommandGroup;
    expect(ticket.options.map((o) => o.name)).toEqual(['create', 'comment', 'close']);
    const waiver = manifest.options.find((o) => o.name === 'waiver') as DiscordSubcommandGroup;
    expect(waiver.options.map((o) => o.name)).toEqual(['request', 'approve', 'reject']);
    const readiness = manifest.options.find((o) => o.name === 'readiness') as DiscordSubcommandGroup;
    expect(readiness.options.map((o) => o.name)).toEqual(['ack', 'resolve']);
  });

  it('derives string options from positionals and zod arguments: required flags, choices, lengths', () => {
    expect(sub(manifest, 'page')).toEqual({
      type: 1,
      name: 'page',
      description: 'page the on-call for a service and open an incident',
      options: [
        {
          type: 3,
          name: 'service',
          description: 'The service',
          required: true,
          min_length: 1,
          max_length: 100,
        },
        {
          type: 3,
          name: 'summary',
          description: 'The summary',
          required: true,
          min_length: 1,
          max_length: 500,
        },
        {
          type: 3,
          name: 'severity',
          description: 'The severity: critical, error, warning or info (default critical)',
          required: false,
          choices: ['critical', 'error', 'warning', 'info'].map((v) => ({ name: v, value: v })),
        },
      ],
    });
    expect(sub(manifest, 'ack').options).toEqual([
      { type: 3, name: 'id', description: 'The incident id', required: true, min_length: 1, max_length: 40 },
    ]);
    expect(sub(manifest, 'ticket create').options.map((o) => [o.name, o.required, o.description])).toEqual([
      ['title', true, 'The title'],
      ['system', false, 'The system: jira, github, linear or azure'],
      ['spec', false, 'The spec, e.g. FEAT-0001'],
    ]);
    expect(sub(manifest, 'waiver request').options.map((o) => o.name)).toEqual(['spec_id', 'reason']);
    expect(sub(manifest, 'status').options).toMatchObject([{ name: 'id', required: false }]);
    expect(sub(manifest, 'integrations').options).toEqual([]);
  });

  it("keeps within Discord's limits: lowercase names of at most 32, descriptions of at most 100, 25 options", () => {
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifestCharacters(manifest)).toBeLessThanOrEqual(8000);
    const name = /^[-_a-z0-9]{1,32}$/;
    const check = (option: { name: string; description: string; options?: unknown[] }) => {
      expect(option.name).toMatch(name);
      expect(option.description.length).toBeGreaterThanOrEqual(1);
      expect(option.description.length).toBeLessThanOrEqual(100);
      expect(option.options?.length ?? 0).toBeLessThanOrEqual(25);
      for (const child of (option.options ?? []) as Array<typeof option>) check(child);
    };
    check(manifest);
    for (const subcommand of manifest.options.flatMap((o) => (o.type === 2 ? o.options : [o]))) {
      const required = subcommand.options.map((o) => o.required);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
  });

  it('uses the configured command name', () => {
    expect(discordCommandManifest(COMMANDS, 'threadline')[0]!.name).toBe('threadline');
  });

  it('refuses definitions that would break a limit instead of sending them to Discord', () => {
    const many = Array.from({ length: 26 }, (_, i) =>
      defineCommand({
        name: `cmd${i}`,
        summary: 'one of too many',
        usage: `cmd${i}`,
        positionals: [],
        args: z.object({}),
        role: 'viewer',
        mode: 'immediate',
        run: async () => ({
          card: { title: 'x', severity: 'info', fields: [], links: [], actions: [] },
          visibility: 'ephemeral',
        }),
      }),
    ) as unknown as AnyCommand[];
    expect(() => discordCommandManifest(many, 'ops')).toThrow(/more than 25 options/);
    expect(() => discordCommandManifest(COMMANDS, 'Ops')).toThrow(/lowercase/);
  });
});

describe('slash command options → router text', () => {
  it('turns /ops page options into the text the router parses for every platform', () => {
    const options = interactionFixture('command-page').data.options;
    const text = commandText(options, COMMANDS);
    expect(text).toBe('page "payments" "checkout 500s" --severity "critical"');
    const resolved = resolveCommand(text, COMMANDS);
    expect(resolved).toMatchObject({
      kind: 'command',
      args: { service: 'payments', summary: 'checkout 500s', severity: 'critical' },
    });
  });

  it('keeps quotes inside values and maps renamed options back (spec_id → specId)', () => {
    const ticket = commandText(interactionFixture('command-ticket-create').data.options, COMMANDS);
    expect(resolveCommand(ticket, COMMANDS)).toMatchObject({
      kind: 'command',
      args: { title: 'Checkout returns "500" for EU cards', spec: 'FEAT-0001' },
    });
    const waiver = commandText(
      [
        {
          name: 'waiver',
          type: 2,
          options: [
            {
              name: 'request',
              type: 1,
              options: [
                { name: 'spec_id', type: 3, value: 'FEAT-0001' },
                { name: 'reason', type: 3, value: "flaky 'e2e' suite — “known” issue" },
              ],
            },
          ],
        },
      ],
      COMMANDS,
    );
    expect(resolveCommand(waiver, COMMANDS)).toMatchObject({
      kind: 'command',
      args: { specId: 'FEAT-0001', reason: `flaky 'e2e' suite — "known" issue` },
    });
  });

  it('passes unknown options through so the router can name them', () => {
    const text = commandText(
      [{ name: 'ack', type: 1, options: [{ name: 'bogus', type: 3, value: 'x' }] }],
      COMMANDS,
    );
    expect(resolveCommand(text, COMMANDS)).toMatchObject({ kind: 'usage' });
  });
});

describe('registerDiscordCommands', () => {
  let fake: FakeDiscordApi;
  beforeAll(async () => {
    fake = await FakeDiscordApi.start();
  });
  afterAll(async () => {
    await fake?.close();
  });

  function config(extra = '') {
    return testConfig(
      uniquePrefix('discord-commands'),
      `
platforms:
  discord:
    enabled: true
    api_url: "${fake.apiUrl}"
    application_id: "${APPLICATION_ID}"
    public_key: "${new InteractionSender().publicKeyHex}"
    bot_token: "${fake.botToken}"
${extra}`,
    ).config;
  }

  it('bulk-overwrites the global commands with one PUT, and doing it again changes nothing', async () => {
    const first = await registerDiscordCommands(config(), undefined, { commands: COMMANDS });
    const puts = () => fake.find('PUT', new RegExp(`^/applications/${APPLICATION_ID}/commands$`));
    expect(puts()).toHaveLength(1);
    expect(fake.requests).toHaveLength(1);
    expect(puts()[0]!.headers.authorization).toBe(`Bot ${fake.botToken}`);
    expect(puts()[0]!.json).toEqual(discordCommandManifest(COMMANDS, 'ops'));
    expect(first).toEqual({
      applicationId: APPLICATION_ID,
      scope: 'global',
      commands: [{ id: expect.stringMatching(/^\d+$/), name: 'ops' }],
    });

    const second = await registerDiscordCommands(config(), undefined, { commands: COMMANDS });
    expect(puts()).toHaveLength(2);
    expect(puts()[1]!.raw).toBe(puts()[0]!.raw);
    expect(second.commands).toEqual(first.commands);
    expect(fake.commands).toHaveLength(1);
  });

  it('says what is missing when the application id or bot token is not configured', async () => {
    const loaded = testConfig(uniquePrefix('discord-commands'), 'platforms: { discord: { enabled: false } }');
    await expect(registerDiscordCommands(loaded.config, undefined, { commands: COMMANDS })).rejects.toThrow(
      ValidationError,
    );
    await expect(registerDiscordCommands(loaded.config, undefined, { commands: COMMANDS })).rejects.toThrow(
      /application_id and .*bot_token/,
    );
  });
});
