import { z } from 'zod';
import { helpCard } from '../cards/help.js';
import { defineCommand } from './define.js';

export const help = defineCommand({
  name: 'help',
  summary: 'list the commands, or explain one',
  usage: 'help [command]',
  positionals: ['topic'],
  rest: true,
  args: z.object({ topic: z.string().optional() }),
  role: 'viewer',
  mode: 'immediate',
  async run({ topic }, { services }) {
    return { card: helpCard(services.commandName, services.commands(), topic), visibility: 'ephemeral' };
  },
});
