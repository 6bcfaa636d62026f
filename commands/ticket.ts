import { z } from 'zod';
import { UserFacingError } from '../src/core/errors.js';
import { defineCommand } from './define.js';

const SYSTEMS = ['jira', 'github', 'linear', 'azure'] as const;

/*
 * Ticketing connectors (Jira, GitHub Issues, Linear, Azure DevOps) arrive in step 3. The
 * commands already parse, validate, check permissions and run as queued actions; until a
 * ticketing connector is enabled the worker answers with what is missing.
 */
function noTicketing(system: string | undefined): never {
  throw new UserFacingError(
    `No ticketing integration${system ? ` for ${system}` : ''} is available in this version: Jira, GitHub Issues, Linear and Azure DevOps connectors arrive with step 3.`,
  );
}

export const ticketCreate = defineCommand({
  name: 'ticket create',
  summary: 'open a ticket in the configured tracker',
  usage: 'ticket create "<title>" [--system jira|github|linear|azure] [--spec FEAT-0001]',
  positionals: ['title'],
  rest: true,
  args: z.object({
    title: z.string().min(3).max(255),
    system: z.enum(SYSTEMS).optional(),
    spec: z
      .string()
      .regex(/^[\w.-]{1,100}$/, 'must be a spec id like FEAT-0001')
      .optional(),
  }),
  role: 'responder',
  mode: 'queued',
  pending: ({ title }) => `Creating ticket "${title}"…`,
  run: async ({ system }) => noTicketing(system),
});

export const ticketComment = defineCommand({
  name: 'ticket comment',
  summary: 'comment on a ticket',
  usage: 'ticket comment <key> <text>',
  positionals: ['key', 'text'],
  rest: true,
  args: z.object({ key: z.string().min(1).max(100), text: z.string().min(1).max(5000) }),
  role: 'responder',
  mode: 'queued',
  pending: ({ key }) => `Commenting on ${key}…`,
  run: async () => noTicketing(undefined),
});

export const ticketClose = defineCommand({
  name: 'ticket close',
  summary: 'close a ticket',
  usage: 'ticket close <key>',
  positionals: ['key'],
  args: z.object({ key: z.string().min(1).max(100) }),
  role: 'responder',
  mode: 'queued',
  pending: ({ key }) => `Closing ${key}…`,
  run: async () => noTicketing(undefined),
});
