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

describe('the waivers block', () => {
  it('needs one approval unless told otherwise', () => {
    expect(parseConfigText('{}', {}).config.waivers).toEqual({ required_approvals: 1 });
  });

  it('takes required_approvals as a number or a ${VAR} string', () => {
    const text =
      'waivers: { required_approvals: "${QUORUM}" }\nrbac: { roles: { approver: ["slack:U1", "slack:U2"] } }';
    expect(parseConfigText(text, { QUORUM: '2' }).config.waivers.required_approvals).toBe(2);
  });

  it('names the key when the quorum is not a whole number from 1 to 20, or is misspelt', () => {
    expect(problemsOf('waivers: { required_approvals: 0 }')[0]).toMatch(/^waivers\.required_approvals: /);
    expect(problemsOf('waivers: { required_approvals: 2.5 }')[0]).toMatch(/^waivers\.required_approvals: /);
    expect(problemsOf('waivers: { required_approval: 2 }')).toEqual([
      'waivers.required_approval: unknown key (did you mean "required_approvals"?)',
    ]);
  });

  it('refuses a quorum larger than the approvers and admins it can count', () => {
    expect(
      problemsOf(
        'waivers: { required_approvals: 3 }\nrbac: { roles: { approver: ["slack:U1", "teams:t2"], admin: ["slack:U1"] } }',
      ),
    ).toEqual([
      'waivers.required_approvals: needs 3 approvers, but rbac.roles.approver and rbac.roles.admin name 2',
    ]);
  });

  it('cannot count a platform wildcard or a Discord role, so it accepts them', () => {
    expect(
      problemsOf('waivers: { required_approvals: 5 }\nrbac: { roles: { approver: ["discord:role:1234"] } }'),
    ).toEqual([]);
    expect(
      problemsOf('waivers: { required_approvals: 5 }\nrbac: { roles: { admin: ["console:*"] } }'),
    ).toEqual([]);
  });
});
