import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  actionRequest,
  commandRequest,
  EventCallbackBody,
  MalformedSlackRequest,
  mentionRequest,
  parseSlackRequest,
} from '../../../src/platforms/slack/parse.js';
import type { Json } from './support.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/slack/${name}`, import.meta.url), 'utf8');
const FORM = 'application/x-www-form-urlencoded';

describe('Slack payloads as neutral requests', () => {
  it('turns Slack’s documented slash command into a CommandRequest', () => {
    const parsed = parseSlackRequest(FORM, Buffer.from(fixture('slash-command.form')));
    expect(parsed.kind).toBe('dispatch');
    const request = commandRequest(parsed.kind === 'dispatch' ? parsed.body : undefined);
    expect(request).toEqual({
      id: 'T0001.13345224609.738474920.8088930838d88f008e0',
      text: '94070',
      replyTo: {
        platform: 'slack',
        workspace: 'T0001',
        conversation: 'C2147483705',
        user: { platform: 'slack', id: 'U2147483697', name: 'Steve' },
        responseToken: 'https://hooks.slack.com/commands/1234/5678',
      },
    });
  });

  it('turns Slack’s documented block_actions payload into an ActionRequest with the message it came from', () => {
    const payload = JSON.parse(fixture('block-actions.json')) as Record<string, unknown>;
    const raw = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const parsed = parseSlackRequest(FORM, Buffer.from(raw));
    expect(parsed.kind).toBe('dispatch');
    expect(actionRequest(payload)).toEqual({
      id: 'T9TK3CUKW.12321423423.333649436676.d8c1bb837935619ccad0f624c448ffb3.WaXA',
      actionId: 'WaXA',
      value: 'click_me_123',
      replyTo: {
        platform: 'slack',
        workspace: 'T9TK3CUKW',
        conversation: 'CBR2V3XEX',
        user: { platform: 'slack', id: 'UA8RXUSPL', name: 'jtorrance' },
        responseToken: 'https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209',
      },
      message: {
        platform: 'slack',
        workspace: 'T9TK3CUKW',
        conversation: 'CBR2V3XEX',
        id: '1548261231.000200',
        thread: undefined,
      },
    });
  });

  it('keeps the thread of a button pressed inside a thread, and strips the #n of repeated action ids', () => {
    const payload = JSON.parse(fixture('block-actions.json')) as Record<string, Json>;
    payload.message.thread_ts = '1548261200.000100';
    payload.actions[0].action_id = 'incident.ack#1';
    const request = actionRequest(payload);
    expect(request.message?.thread).toBe('1548261200.000100');
    expect(request.actionId).toBe('incident.ack');
  });

  it('reads an @mention’s text without the mention, answering in its thread', () => {
    const body = EventCallbackBody.parse(JSON.parse(fixture('app-mention.json')));
    expect(mentionRequest(body)).toEqual({
      id: 'Ev0LAN670R',
      text: 'is it everything a river should be?',
      replyTo: {
        platform: 'slack',
        workspace: 'T061EG9R6',
        conversation: 'C0LAN2Q65',
        thread: '1515449522.000016',
        user: { platform: 'slack', id: 'U061F7AUR' },
      },
    });
  });

  it('recognises ssl_check, url_verification and app_rate_limited', () => {
    expect(parseSlackRequest(FORM, Buffer.from('ssl_check=1&token=x'))).toEqual({ kind: 'ssl_check' });
    expect(parseSlackRequest('application/json', Buffer.from(fixture('url-verification.json')))).toEqual({
      kind: 'url_verification',
      challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    });
    expect(
      parseSlackRequest(
        'application/json; charset=utf-8',
        Buffer.from(
          '{"token":"x","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820}',
        ),
      ),
    ).toEqual({ kind: 'app_rate_limited' });
  });

  it('says what is wrong with a malformed body', () => {
    const bad = (type: string, body: string) => () => parseSlackRequest(type, Buffer.from(body));
    expect(bad(FORM, 'payload=%7B')).toThrow(new MalformedSlackRequest('the "payload" field is not JSON'));
    expect(bad(FORM, 'command=%2Fops&text=help')).toThrow(/slash command: team_id/);
    expect(bad(FORM, 'command=%2Fops&team_id=T1&channel_id=C1&user_id=U%3Cx%3E&trigger_id=1')).toThrow(
      /user_id is not a Slack id/,
    );
    expect(bad('text/plain', 'hello')).toThrow(/unsupported content type/);
    expect(bad('application/json', '{"type":"something_else"}')).toThrow(/unsupported body type/);
  });
});
