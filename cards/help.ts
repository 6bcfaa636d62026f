import type { Card } from '../src/core/card.js';
import type { CommandSpec } from '../src/core/command.js';

export function helpCard(commandName: string, commands: readonly CommandSpec[], focus?: string): Card {
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
