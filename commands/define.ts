import type {
  CommandResult,
  CommandContext as ContextFor,
  CommandDefinition as DefinitionFor,
} from '../src/core/command.js';
import type { CommandServices } from './services.js';

export type { CommandResult, CommandSpec, Role } from '../src/core/command.js';

/** What a command's handler gets: who asked, where to answer, and the services below. */
export type CommandContext = ContextFor<CommandServices>;
export type CommandDefinition<A> = DefinitionFor<A, CommandServices>;

// Definitions are stored side by side in one list, so their argument types are erased there.
export type AnyCommand = CommandDefinition<never> & {
  run(args: never, context: CommandContext): Promise<CommandResult>;
};

export function defineCommand<A>(definition: CommandDefinition<A>): CommandDefinition<A> {
  return definition;
}
