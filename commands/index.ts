import type { AnyCommand } from './define.js';
import { help } from './help.js';
import { ack, escalate, resolve } from './incident-actions.js';
import { integrations } from './integrations.js';
import { oncall } from './oncall.js';
import { incident, page } from './page.js';
import { readinessAck, readinessResolve } from './readiness.js';
import { runbook } from './runbook.js';
import { status } from './status.js';
import { ticketClose, ticketComment, ticketCreate } from './ticket.js';
import { waiverApprove, waiverReject, waiverRequest } from './waiver.js';

/** Every command, in help order: the single source for routing, help and the platform manifests. */
export const COMMANDS = [
  help,
  page,
  incident,
  ack,
  resolve,
  escalate,
  ticketCreate,
  ticketComment,
  ticketClose,
  waiverRequest,
  waiverApprove,
  waiverReject,
  readinessAck,
  readinessResolve,
  status,
  oncall,
  runbook,
  integrations,
] as unknown as readonly AnyCommand[];
