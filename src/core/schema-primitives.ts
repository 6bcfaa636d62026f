import { z } from 'zod';
import { EVENT_NAMES } from './events.js';

/*
 * Zod building blocks shared by the config schema and every connector's config block. Values
 * arrive after `${VAR}` interpolation, so booleans and numbers may be strings.
 */

export const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'must be true or false',
});

export function int(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v),
    z.number().int().min(min).max(max),
  );
}

export const httpUrl = z
  .string()
  .trim()
  .refine((u) => {
    try {
      const parsed = new URL(u);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an http(s) URL');

/** A secret: any non-empty string. Messages about it never echo the value. */
export const secret = z.string().min(1, 'must not be empty');

/** A chat user or group as `rbac.roles` and `readiness.owners` list them. */
export const rbacMember = z
  .string()
  .regex(
    /^(slack|teams|discord|console):(\*|role:[\w-]+|[\w.@-]+)$/,
    'must look like slack:U123, teams:<aad object id>, discord:<user id>, discord:role:<role id>, console:<name> or <platform>:*',
  );

export const eventName = z.enum(EVENT_NAMES);
export const eventList = z.array(eventName);

/** Settings every delivering integration shares. */
export const deliveryCommon = {
  enabled: flag.default(false),
  retry_count: int(0, 20).optional(),
  timeout_ms: int(100, 120_000).optional(),
};

/** A tracker's status names by spec status (Linear, Azure DevOps, GitHub Projects). */
export const stateMappings = z.record(z.string(), z.string().min(1));
