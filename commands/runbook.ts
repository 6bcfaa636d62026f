import { z } from 'zod';
import { resultCard } from '../cards/result.js';
import { UserFacingError } from '../src/core/errors.js';
import { closest } from '../src/core/suggest.js';
import { defineCommand } from './define.js';

export const runbook = defineCommand({
  name: 'runbook',
  summary: 'link to a runbook by name',
  usage: 'runbook <name>',
  positionals: ['name'],
  args: z.object({ name: z.string().min(1).max(100) }),
  role: 'viewer',
  mode: 'immediate',
  async run({ name }, { services }) {
    const names = Object.keys(services.runbooks);
    const link = services.runbooks[name];
    if (!link) {
      const suggestion = closest(name, names);
      throw new UserFacingError(
        `There is no runbook "${name}".${suggestion ? ` Did you mean "${suggestion}"?` : ''} Known: ${names.length ? names.join(', ') : 'none (add them under runbooks: in the config)'}.`,
      );
    }
    return {
      card: { ...resultCard(`📕 ${link.title ?? name}`), links: [{ label: 'Open runbook', url: link.url }] },
      visibility: 'reply',
    };
  },
});
