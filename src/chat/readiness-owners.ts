import type { ReadinessService } from '../../commands/services.js';
import type { AuditLog } from '../audit/audit-log.js';
import { type ChatUser, userKey } from '../core/chat.js';
import { UserFacingError } from '../core/errors.js';
import type { ReadinessConfig, ReadinessExceptions } from '../workflows/readiness.js';
import { isListed, type Rbac } from './rbac.js';

/**
 * Who may act on readiness exceptions: the members of `readiness.owner_role` (admins always)
 * and anyone `readiness.owners` lists. Checked here, on the server, whatever a card showed; a
 * refusal is audited like a command refused for its role.
 */
export class ReadinessOwners implements ReadinessService {
  constructor(
    readonly exceptions: ReadinessExceptions,
    private readonly config: ReadinessConfig,
    private readonly rbac: Rbac,
    private readonly audit: AuditLog,
  ) {}

  owns(user: ChatUser): boolean {
    return this.rbac.allows(user, this.config.owner_role) || isListed(user, this.config.owners);
  }

  async requireOwner(user: ChatUser, action: string, exceptionId: string): Promise<void> {
    if (this.owns(user)) return;
    await this.audit.record({
      actor: userKey(user),
      action: `readiness.${action}`,
      target: exceptionId,
      outcome: 'refused',
      detail: `not an owner (readiness.owner_role ${this.config.owner_role} or readiness.owners)`,
    });
    throw new UserFacingError(
      `Only a readiness owner may ${action} ${exceptionId}: owners are the ${this.config.owner_role} role and readiness.owners, where an admin can add you.`,
    );
  }
}
