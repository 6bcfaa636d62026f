import { z } from 'zod';
import { incidentCard } from '../cards/incident.js';
import { resultCard } from '../cards/result.js';
import { UserFacingError } from '../src/core/errors.js';
import { defineCommand } from './define.js';

export const status = defineCommand({
  name: 'status',
  summary: 'show an incident, or the health of the queues',
  usage: 'status [incident-id]',
  positionals: ['id'],
  args: z.object({ id: z.string().min(1).max(40).optional() }),
  role: 'viewer',
  mode: 'immediate',
  async run({ id }, { services }) {
    if (id) {
      const incident = await services.incidents.find(id);
      if (!incident) throw new UserFacingError(`There is no incident ${id}.`);
      return { card: incidentCard(incident), visibility: 'ephemeral' };
    }
    const queues = await services.queueHealth();
    const busy = queues.filter((q) => q.waiting + q.active + q.delayed + q.failed > 0);
    const failed = queues.reduce((sum, q) => sum + q.failed, 0);
    return {
      card: resultCard(
        failed > 0 ? `⚠️ ${failed} dead letter(s) waiting for replay` : '✅ All queues healthy',
        busy.length === 0 ? 'Nothing waiting.' : undefined,
        failed > 0 ? 'warning' : 'success',
        busy.map((q) => ({
          label: q.queue,
          value: `waiting ${q.waiting} · active ${q.active} · delayed ${q.delayed} · failed ${q.failed}`,
        })),
      ),
      visibility: 'ephemeral',
    };
  },
});
