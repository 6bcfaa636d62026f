import { z } from 'zod';
import { resultCard } from '../cards/result.js';
import { UserFacingError } from '../src/core/errors.js';
import type { OnCallAnswer, Shift } from '../src/workflows/oncall.js';
import { defineCommand } from './define.js';

function when(shift: Shift): string {
  return `${shift.start.toISOString().slice(0, 16).replace('T', ' ')} – ${shift.end
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')} UTC`;
}

function describe(answer: OnCallAnswer): string {
  const now = answer.now ? `${answer.now.person} (until ${when(answer.now).split(' – ')[1]})` : 'nobody';
  const next = answer.next ? `${answer.next.person} (${when(answer.next)})` : 'nobody scheduled';
  return `now: ${now} · next: ${next}`;
}

export const oncall = defineCommand({
  name: 'oncall',
  summary: 'show who is on call now and next',
  usage: 'oncall [schedule]',
  positionals: ['schedule'],
  args: z.object({ schedule: z.string().min(1).max(64).optional() }),
  role: 'viewer',
  // An ICS feed may take longer to fetch than a platform's 3 s answer window.
  mode: 'queued',
  pending: ({ schedule }) => (schedule ? `Looking up ${schedule}…` : 'Looking up the on-call schedules…'),
  async run({ schedule }, { services }) {
    const schedules = services.oncall;
    const names = schedules?.names() ?? [];
    if (!schedules || names.length === 0)
      throw new UserFacingError('No on-call schedule is configured (oncall.schedules in the config).');
    if (schedule) {
      const answer = await schedules.who(schedule);
      return {
        visibility: 'ephemeral',
        card: resultCard(`📅 On call for ${schedule}`, describe(answer), 'info', [
          { label: 'Now', value: answer.now ? `${answer.now.person} · ${when(answer.now)}` : 'nobody' },
          {
            label: 'Next',
            value: answer.next ? `${answer.next.person} · ${when(answer.next)}` : 'nobody scheduled',
          },
        ]),
      };
    }
    const answers = await Promise.all(names.map((name) => schedules.who(name)));
    return {
      visibility: 'ephemeral',
      card: resultCard(
        '📅 On call',
        undefined,
        'info',
        answers.map((answer) => ({ label: answer.schedule, value: describe(answer) })),
      ),
    };
  },
});
