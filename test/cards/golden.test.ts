import { describe, expect, it } from 'vitest';
import { approvalCard } from '../../cards/approval.js';
import { helpCard } from '../../cards/help.js';
import { incidentCard } from '../../cards/incident.js';
import { notificationCard } from '../../cards/notification.js';
import { readinessCard } from '../../cards/readiness.js';
import { errorCard, resultCard } from '../../cards/result.js';
import { openedCard, ticketCard } from '../../cards/ticket.js';
import { COMMANDS } from '../../commands/index.js';
import type { Card } from '../../src/core/card.js';
import { renderConsoleCard } from '../../src/platforms/console/render.js';
import { renderDiscordCard } from '../../src/platforms/discord/render.js';
import { renderSlackCard } from '../../src/platforms/slack/render.js';
import { renderTeamsCard } from '../../src/platforms/teams/render.js';

const at = '2026-01-19T12:00:00.000Z';

/** One of each card template, from fixed inputs, so the rendered output is stable. */
const CARDS: Record<string, Card> = {
  'event-alert': notificationCard({
    id: 'ev-1',
    receivedAt: 0,
    payload: {
      id: 'ev-1',
      event: 'implementation_failed',
      timestamp: at,
      spec: { id: 'FEAT-0001', title: 'User Authentication', url: 'https://example.com/specs/FEAT-0001' },
      error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
    },
  }),
  // A chat delivery of a spec event names the spec's tickets, one per tracker, with their links.
  'event-tickets': notificationCard(
    {
      id: 'ev-2',
      receivedAt: 0,
      payload: {
        id: 'ev-2',
        event: 'spec_approved',
        timestamp: at,
        spec: { id: 'FEAT-0001', title: 'User Authentication', url: 'https://example.com/specs/FEAT-0001' },
      },
    },
    {
      tickets: [
        { system: 'jira', key: 'PROJ-12', url: 'https://example.atlassian.net/browse/PROJ-12' },
        { system: 'github', key: 'acme/shop#34', url: 'https://github.com/acme/shop/issues/34' },
      ],
    },
  ),
  incident: incidentCard({
    id: 'INC-7',
    title: 'checkout 500s',
    service: 'payments',
    severity: 'critical',
    status: 'acknowledged',
    createdAt: at,
    createdBy: 'slack:U123',
    history: [
      { at, by: 'slack:U123', action: 'triggered' },
      { at, by: 'teams:8f2c', action: 'acknowledged' },
    ],
  }),
  // As the Datadog hook opens it: the monitor and event links, the tags as labels, the source.
  'incident-datadog': incidentCard({
    id: 'INC-12',
    title: 'Checkout 5xx rate is high',
    service: 'checkout',
    severity: 'critical',
    status: 'triggered',
    source: 'datadog',
    labels: { env: 'prod', host: 'web-1', monitor_id: '81234567', service: 'checkout' },
    links: [
      { label: 'Datadog monitor', url: 'https://app.datadoghq.eu/monitors/81234567' },
      { label: 'Datadog event', url: 'https://app.datadoghq.eu/event/event?id=7044395812838834582' },
    ],
    createdAt: at,
    createdBy: 'datadog',
    history: [{ at, by: 'datadog', action: 'triggered' }],
  }),
  approval: approvalCard({
    id: 'WVR-3',
    specId: 'FEAT-0001',
    reason: 'skip load test',
    status: 'pending',
    requestedBy: 'discord:5390823',
    requestedByName: 'lead',
    requestedAt: at,
    requiredApprovals: 2,
    approvals: [{ by: 'discord:7781001', name: 'alice', at }],
  }),
  'ticket-created': ticketCard({
    system: 'jira',
    key: 'PROJ-42',
    title: 'Checkout returns 500',
    status: 'To Do',
    url: 'https://example.atlassian.net/browse/PROJ-42',
    specId: 'FEAT-0001',
  }),
  'ticket-opened': openedCard({
    system: 'jira',
    key: 'PROJ-12',
    title: 'FEAT-0001: User Authentication',
    status: 'To Do',
    url: 'https://example.atlassian.net/browse/PROJ-12',
    specId: 'FEAT-0001',
  }),
  readiness: readinessCard({
    id: 'FEAT-0001-gate-7',
    specId: 'FEAT-0001',
    specTitle: 'User Authentication',
    specUrl: 'https://example.com/specs/FEAT-0001',
    gate: 'load-test',
    reason: 'p99 latency 1.8 s over the 1 s budget',
    status: 'open',
    openedAt: at,
    dueAt: '2026-01-19T16:00:00.000Z',
    history: [
      { at, by: 'threadline', action: 'opened' },
      {
        at,
        by: 'threadline',
        action: 'escalated',
        note: 'alice (oncall:primary) (step 1 of 2, policy release)',
      },
    ],
  }),
  'readiness-acknowledged': readinessCard({
    id: 'FEAT-0001-gate-7',
    specId: 'FEAT-0001',
    gate: 'load-test',
    status: 'acknowledged',
    openedAt: at,
    dueAt: '2026-01-19T16:00:00.000Z',
    history: [
      { at, by: 'threadline', action: 'opened' },
      { at, by: 'slack:U123', action: 'acknowledged' },
    ],
  }),
  result: resultCard('👀 INC-7 acknowledged by slack:U123', 'Sent to webhooks.pager.', 'info'),
  error: errorCard('/ops page: <service> is missing', 'Usage: /ops page <service> <summary>'),
  help: helpCard('ops', COMMANDS),
};

const RENDERERS: Record<string, (card: Card) => unknown> = {
  slack: renderSlackCard,
  teams: renderTeamsCard,
  discord: renderDiscordCard,
  console: renderConsoleCard,
};

describe('golden files: every card template on every platform', () => {
  for (const [cardName, card] of Object.entries(CARDS)) {
    for (const [platform, render] of Object.entries(RENDERERS)) {
      it(`renders the ${cardName} card for ${platform} as recorded`, async () => {
        const output = render(card);
        const text = typeof output === 'string' ? `${output}\n` : `${JSON.stringify(output, null, 2)}\n`;
        await expect(text).toMatchFileSnapshot(
          `golden/${cardName}.${platform}.${typeof output === 'string' ? 'txt' : 'json'}`,
        );
      });
    }
  }
});

describe('buttons on card templates', () => {
  it('each runs the command that declares its action id, so a press does what typing it would', () => {
    const declared = new Set(
      COMMANDS.flatMap((command) => (command.button ? [command.button.actionId] : [])),
    );
    const pressed = Object.values(CARDS).flatMap((card) => (card.actions ?? []).map((action) => action.id));
    expect(pressed.length).toBeGreaterThan(0);
    expect(pressed.filter((id) => !declared.has(id))).toEqual([]);
  });
});
