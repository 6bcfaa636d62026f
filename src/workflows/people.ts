import { z } from 'zod';
import type { CardPerson } from '../core/card.js';
import type { ConfigProblem } from '../core/errors.js';

/*
 * The people escalations and on-call schedules name, with their ids on each chat platform, so a
 * step that reaches "alice" pings her: `<@U123>` in Slack, `<@123…>` in Discord, `<at>Alice</at>`
 * in Teams. Ids come only from here (the operator's config), never from anything a user typed.
 */

const personKey = z.string().regex(/^[\w.@+-]{1,100}$/, 'person names use letters, digits, _ . @ + -');

/** A bare YAML number loses a snowflake's last digits, so only a string is taken. */
const discordId = z
  .string({ error: 'write the Discord user id in quotes (a bare number loses its last digits)' })
  .regex(/^\d{15,21}$/, 'must be a Discord user id (digits)');

/** `<>&` would break the `<at>…</at>` tag the name is shown in. */
const teamsName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^<>&\n\r]+$/, 'must not contain < > & or line breaks');

const Person = z.strictObject({
  /** Display name; also what an on-call ICS feed's event summary may call them. */
  name: z.string().trim().min(1).max(200).optional(),
  email: z.email().optional(),
  slack: z
    .string()
    .regex(/^[UW][A-Z0-9]{2,30}$/, 'must be a Slack user id such as U0123ABCD')
    .optional(),
  discord: discordId.optional(),
  /** The Bot Framework id (`29:…`) or the AAD object id; the name is what `<at>…</at>` shows. */
  teams: z
    .union([
      z.string().regex(/^[\w:.@-]{1,200}$/, 'must be a Teams user id (29:… or an AAD object id)'),
      z.strictObject({ id: z.string().regex(/^[\w:.@-]{1,200}$/), name: teamsName.optional() }),
    ])
    .optional(),
});

export const PeopleConfig = z.record(personKey, Person);
export type PeopleConfig = z.infer<typeof PeopleConfig>;
type PersonConfig = z.infer<typeof Person>;

const SLACK_TARGET = /^slack:([UW][A-Z0-9]{2,30})$/;
const DISCORD_TARGET = /^discord:(\d{15,21})$/;

/** Looks up who an escalation target or an on-call shift names, and how to mention them. */
export class People {
  constructor(private readonly config: PeopleConfig = {}) {}

  /**
   * The person `name` refers to: their key, display name or e-mail (any case), or one of their
   * platform ids written as `slack:U123`, `discord:123…`, `teams:29:…`.
   */
  find(name: string): { key: string; person: PersonConfig } | undefined {
    const wanted = name.trim().toLowerCase();
    for (const [key, person] of Object.entries(this.config)) {
      const names = [key, person.name, person.email].filter((n): n is string => n !== undefined);
      if (names.some((n) => n.toLowerCase() === wanted)) return { key, person };
      const ids = [
        person.slack && `slack:${person.slack}`,
        person.discord && `discord:${person.discord}`,
        person.teams && `teams:${typeof person.teams === 'string' ? person.teams : person.teams.id}`,
      ];
      if (ids.some((id) => id && id.toLowerCase() === wanted)) return { key, person };
    }
    return undefined;
  }

  /**
   * How to mention `name` on each platform, shown as `shown`. A `slack:U…` or `discord:…` target
   * nobody lists is still mentioned on its own platform; anyone else unknown is undefined
   * (shown as plain text).
   */
  mention(name: string, shown = name): CardPerson | undefined {
    const found = this.find(name);
    if (found) return personMention(found.key, found.person, shown);
    const slack = SLACK_TARGET.exec(name.trim())?.[1];
    if (slack) return { name: shown, slack };
    const discord = DISCORD_TARGET.exec(name.trim())?.[1];
    if (discord) return { name: shown, discord };
    return undefined;
  }
}

function personMention(key: string, person: PersonConfig, shown: string): CardPerson {
  const out: CardPerson = { name: shown };
  if (person.slack) out.slack = person.slack;
  if (person.discord) out.discord = person.discord;
  if (person.teams) {
    const { id, name } =
      typeof person.teams === 'string' ? { id: person.teams, name: undefined } : person.teams;
    out.teams = { id, name: name ?? teamsName.safeParse(person.name ?? key).data ?? key };
  }
  return out;
}

/**
 * Escalation targets and rotation members no `people:` entry (or platform id) turns into a
 * mention: they are announced as plain text, which notifies nobody. A notice, not an error.
 */
export function unmentionedPeople(config: {
  people: PeopleConfig;
  escalations: { policies: Record<string, { steps: Array<{ notify: string[] }> }> };
  oncall: { schedules: Record<string, { rotation?: { members: string[] } }> };
}): ConfigProblem[] {
  const people = new People(config.people);
  const notices: ConfigProblem[] = [];
  const hint = 'add them under people: with their slack, discord or teams id to have them mentioned';
  const escalated = new Set<string>();
  for (const [name, policy] of Object.entries(config.escalations.policies))
    policy.steps.forEach((step, i) => {
      step.notify.forEach((target, j) => {
        if (target.startsWith('oncall:')) escalated.add(target.slice('oncall:'.length));
        if (target.startsWith('oncall:') || people.mention(target)) return;
        notices.push({
          path: `escalations.policies.${name}.steps[${i}].notify[${j}]`,
          message: `names ${target}, who is announced as plain text`,
          hint,
        });
      });
    });
  // Only the rotations an escalation reaches: nobody is mentioned from any other schedule.
  for (const [name, schedule] of Object.entries(config.oncall.schedules))
    schedule.rotation?.members.forEach((member, i) => {
      if (!escalated.has(name) || people.mention(member)) return;
      notices.push({
        path: `oncall.schedules.${name}.rotation.members[${i}]`,
        message: `names ${member}, who is announced as plain text when escalated to`,
        hint,
      });
    });
  return notices;
}
