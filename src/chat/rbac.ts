import type { ChatUser } from '../core/chat.js';
import type { Role } from '../core/command.js';

export type RoleMembers = Partial<Record<Exclude<Role, 'viewer'>, readonly string[]>>;

/**
 * Who may run what. Everyone is a viewer; other roles list members as `slack:U…`,
 * `teams:<aad object id>`, `discord:<user id>`, `discord:role:<role id>`, `console:<name>`, or
 * `<platform>:*` for everyone on that platform. Admins may do everything.
 */
export class Rbac {
  constructor(private readonly members: RoleMembers) {}

  allows(user: ChatUser, role: Role): boolean {
    if (role === 'viewer') return true;
    return this.isMember(user, role) || this.isMember(user, 'admin');
  }

  private isMember(user: ChatUser, role: Exclude<Role, 'viewer'>): boolean {
    return isListed(user, this.members[role] ?? []);
  }
}

/** Whether a list of members in the `rbac.roles` syntax names this user (or their platform role). */
export function isListed(user: ChatUser, members: readonly string[]): boolean {
  const ids = new Set([`${user.platform}:${user.id}`, `${user.platform}:*`]);
  for (const roleId of user.roleIds ?? []) ids.add(`${user.platform}:role:${roleId}`);
  return members.some((member) => ids.has(member));
}
