import type { AnyCommand } from '../commands/define.js';
import type { Card } from '../core/card.js';

export function helpCard(commandName: string, commands: readonly AnyCommand[], focus?: string): Card {
  const shown = focus ? commands.filter((c) => c.name === focus || c.name.startsWith(`${focus} `)) : commands;
  return {
    title: focus ? `/${commandName} ${focus}` : `/${commandName} commands`,
    severity: 'info',
    text: shown.map((c) => `/${commandName} ${c.usage} — ${c.summary}`).join('\n'),
    fields: [],
    links: [],
    actions: [],
  };
}
