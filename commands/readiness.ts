import { z } from 'zod';
import { readinessCard } from '../cards/readiness.js';
import { resultCard } from '../cards/result.js';
import { userKey } from '../src/core/chat.js';
import { UserFacingError } from '../src/core/errors.js';
import { lastReadinessEntry } from '../src/workflows/readiness.js';
import { readinessEvent } from '../src/workflows/readiness-events.js';
import { type CommandContext, type CommandResult, defineCommand } from './define.js';

type Change = 'acknowledged' | 'resolved';

async function change(
  id: string,
  kind: Change,
  { invoker, services }: CommandContext,
): Promise<CommandResult> {
  const readiness = services.readiness;
  if (!readiness)
    throw new UserFacingError(
      'Readiness exceptions are not set up here: the config has no readiness: block.',
    );
  const verb = kind === 'acknowledged' ? 'acknowledge' : 'resolve';
  await readiness.requireOwner(invoker, verb, id);
  const by = userKey(invoker);
  const { applied, exception } =
    kind === 'acknowledged'
      ? await readiness.exceptions.acknowledge(id, by)
      : await readiness.exceptions.resolve(id, by);
  if (!applied) {
    const earlier =
      lastReadinessEntry(exception, 'resolved') ?? lastReadinessEntry(exception, 'acknowledged');
    return {
      visibility: 'ephemeral',
      card: resultCard(
        `${exception.id} is already ${exception.status}`,
        earlier ? `${earlier.action} by ${earlier.by} at ${earlier.at}` : undefined,
      ),
    };
  }
  // The event stops the SLA timers (at ingress) and goes wherever readiness events are routed.
  await services.emit(
    readinessEvent(
      exception,
      kind === 'acknowledged' ? 'readiness_exception_acknowledged' : 'readiness_exception_resolved',
      kind,
    ),
  );
  // The spec's card shows its latest exception; acting on an older one only replies in the thread.
  const latest = (await readiness.exceptions.current(exception.specId))?.id === exception.id;
  return {
    visibility: 'subject',
    subject: exception.specId,
    ...(latest ? { parent: readinessCard(exception) } : {}),
    card: resultCard(
      `${kind === 'acknowledged' ? '👀' : '✅'} ${exception.id} ${kind} by ${by}`,
      undefined,
      kind === 'resolved' ? 'success' : 'info',
    ),
  };
}

const idArgs = z.object({
  id: z.string().regex(/^[\w.@-]{1,200}$/, 'must be a readiness exception id'),
});

export const readinessAck = defineCommand({
  name: 'readiness ack',
  button: { actionId: 'readiness.ack', argument: 'id' },
  summary: 'acknowledge a readiness exception (its owners only)',
  usage: 'readiness ack <exception-id>',
  positionals: ['id'],
  args: idArgs,
  // Ownership is readiness.owner_role or readiness.owners, checked when the command runs.
  role: 'viewer',
  mode: 'queued',
  pending: ({ id }) => `Acknowledging ${id}…`,
  run: ({ id }, context) => change(id, 'acknowledged', context),
});

export const readinessResolve = defineCommand({
  name: 'readiness resolve',
  button: { actionId: 'readiness.resolve', argument: 'id' },
  summary: 'resolve a readiness exception (its owners only)',
  usage: 'readiness resolve <exception-id>',
  positionals: ['id'],
  args: idArgs,
  role: 'viewer',
  mode: 'queued',
  pending: ({ id }) => `Resolving ${id}…`,
  run: ({ id }, context) => change(id, 'resolved', context),
});
