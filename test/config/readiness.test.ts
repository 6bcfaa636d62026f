import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, {});
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  return [];
}

const policy = 'escalations: { policies: { release: { steps: [{ wait: 5m, notify: ["slack:U1"] }] } } }';

describe('the readiness block', () => {
  it('is off when absent, so existing configs track no exceptions', () => {
    expect(parseConfigText('{}', {}).config.readiness).toBeUndefined();
  });

  it('defaults to the responder role, no extra owners, a 4 h SLA and no escalation policy', () => {
    expect(parseConfigText('readiness: {}', {}).config.readiness).toEqual({
      owner_role: 'responder',
      owners: [],
      sla: 4 * 3_600_000,
    });
  });

  it('takes owners in the rbac syntax, an SLA duration and a policy from escalations.policies', () => {
    const text = `readiness: { owner_role: approver, owners: ["slack:U9", "discord:role:42"], sla: 30m, escalation_policy: release }\n${policy}`;
    expect(parseConfigText(text, {}).config.readiness).toEqual({
      owner_role: 'approver',
      owners: ['slack:U9', 'discord:role:42'],
      sla: 30 * 60_000,
      escalation_policy: 'release',
    });
  });

  it('names the key of a policy that does not exist, an owner in the wrong form, or a bad SLA', () => {
    expect(problemsOf(`readiness: { escalation_policy: weekend }\n${policy}`)).toEqual([
      'readiness.escalation_policy: names no policy under escalations.policies (known: release)',
    ]);
    expect(problemsOf('readiness: { owners: ["U9"] }')[0]).toMatch(/^readiness\.owners\[0\]: must look like/);
    expect(problemsOf('readiness: { sla: soon }')[0]).toMatch(/^readiness\.sla: must be a duration/);
    expect(problemsOf('readiness: { owner_role: viewer }')[0]).toMatch(/^readiness\.owner_role: /);
  });
});
