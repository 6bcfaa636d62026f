import { describe, expect, it } from 'vitest';
import {
  cardLines,
  DIGEST_MAX_LINES,
  digestCard,
  type LineMarkup,
  notificationCard,
} from '../../cards/notification.js';
import { stored } from './support.js';

const spec = {
  id: 'FEAT-0001',
  title: 'User Authentication',
  url: 'https://github.com/acme/app/blob/main/specs/FEAT-0001.md',
};
const plain: LineMarkup = { text: (raw) => raw, link: (caption, url) => `[${caption}](${url})` };

describe('notificationCard', () => {
  it('lays out implementation_started like the guide', () => {
    const card = notificationCard(
      stored({ event: 'implementation_started', spec, branch: 'spec/feat-0001' }),
    );
    expect(card.title).toBe('🚀 Spec Implementation Started');
    expect(card.severity).toBe('started');
    expect(cardLines({ ...card, links: [] }, plain)).toEqual([
      '🚀 Spec Implementation Started',
      '• ID: FEAT-0001',
      '• Title: User Authentication',
      '• Branch: spec/feat-0001',
    ]);
  });

  it('lays out implementation_completed like the guide', () => {
    const card = notificationCard(
      stored({
        event: 'implementation_completed',
        spec,
        pr: { number: 42, url: 'https://github.com/acme/app/pull/42' },
        review_requested: ['@team'],
      }),
    );
    expect(card.severity).toBe('success');
    expect(cardLines(card, plain)).toEqual([
      '✅ Spec Implementation Completed',
      '• ID: FEAT-0001',
      '• Title: User Authentication',
      '• PR: #42',
      '• Review requested from: @team',
      '[View PR](https://github.com/acme/app/pull/42) · [View Spec](https://github.com/acme/app/blob/main/specs/FEAT-0001.md)',
    ]);
  });

  it('lays out implementation_failed like the guide, with the logs link', () => {
    const card = notificationCard(
      stored({
        event: 'implementation_failed',
        spec: { id: 'FEAT-0001', title: 'User Authentication' },
        error: { message: 'Schema validation failed', logs_url: 'https://ci.example.com/runs/7' },
      }),
    );
    expect(card.severity).toBe('failure');
    expect(cardLines(card, plain)).toEqual([
      '❌ Spec Implementation Failed',
      '• ID: FEAT-0001',
      '• Title: User Authentication',
      '• Error: Schema validation failed',
      '• Logs: [View Details](https://ci.example.com/runs/7)',
    ]);
    expect(card.links).toEqual([{ label: 'Logs', url: 'https://ci.example.com/runs/7' }]);
  });

  it('takes a string error and a top-level logs_url too', () => {
    const card = notificationCard(
      stored({
        event: 'validation_failed',
        spec,
        error: 'bad yaml',
        logs_url: 'https://ci.example.com/runs/8',
      }),
    );
    expect(card.fields.find((f) => f.label === 'Error')).toEqual({
      label: 'Error',
      value: 'bad yaml',
      inline: false,
    });
    expect(card.links.at(-1)).toEqual({ label: 'Logs', url: 'https://ci.example.com/runs/8' });
  });

  it('leaves out fields the event does not carry', () => {
    const card = notificationCard(stored({ event: 'spec_created', spec: { id: 'FEAT-0002' } }));
    expect(card.title).toBe('📝 Spec Created');
    expect(card.severity).toBe('info');
    expect(card.fields).toEqual([{ label: 'ID', value: 'FEAT-0002', inline: true }]);
    expect(card.links).toEqual([]);
    expect(card.mentions).toBeUndefined();
  });

  it('carries mentions only when the caller passes them', () => {
    const event = stored({ event: 'implementation_failed', spec });
    expect(notificationCard(event, { mentions: ['@channel'] }).mentions).toEqual(['@channel']);
    expect(notificationCard(event, { mentions: [] }).mentions).toBeUndefined();
  });

  it('names the repository in the footer', () => {
    const card = notificationCard(
      stored({ event: 'pr_merged', spec, repository: { owner: 'acme', name: 'app' } }),
    );
    expect(card.footer).toBe('acme/app');
  });
});

describe('digestCard', () => {
  it('summarises held events one line each', () => {
    const card = digestCard([
      stored({ event: 'implementation_started', spec }, 'e1'),
      stored({ event: 'implementation_failed', spec: { id: 'FEAT-0002' } }, 'e2'),
      stored({ event: 'pr_created' }, 'e3'),
    ]);
    expect(card.title).toBe('📨 3 notifications held by the rate limit');
    expect(card.text?.split('\n')).toEqual([
      '🚀 Spec Implementation Started: FEAT-0001',
      '❌ Spec Implementation Failed: FEAT-0002',
      '🔀 Pull Request Opened: e3',
    ]);
    expect(card.severity).toBe('failure');
  });

  it('speaks in the singular for one event', () => {
    expect(digestCard([stored({ event: 'pr_merged', spec })]).title).toBe(
      '📨 1 notification held by the rate limit',
    );
  });

  it('counts the events it does not list', () => {
    const events = Array.from({ length: DIGEST_MAX_LINES + 7 }, (_, i) =>
      stored({ event: 'spec_created', spec: { id: `FEAT-${i}` } }, `e${i}`),
    );
    const lines = digestCard(events).text?.split('\n') ?? [];
    expect(lines).toHaveLength(DIGEST_MAX_LINES + 1);
    expect(lines.at(-1)).toBe('… and 7 more');
  });
});
