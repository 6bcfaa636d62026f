import { z } from 'zod';
import { flag, secret } from '../../core/schema-primitives.js';
import { BasicAuth, fallbackSeverity, oneOrMore } from '../common/schema.js';

/**
 * `inbound.alertmanager`: POST /hooks/alertmanager for a webhook receiver. It authenticates the
 * ways Alertmanager's `http_config` can send: a bearer token (`authorization` or `bearer_token`)
 * or `basic_auth`. Several of each are accepted while one is being rotated. Unless `enabled` is
 * written, the route is on exactly when a credential is set.
 */
export const AlertmanagerInbound = z
  .strictObject({
    enabled: flag.optional(),
    bearer_token: oneOrMore(secret).optional(),
    basic_auth: oneOrMore(BasicAuth).optional(),
    /** The incident's severity when the alerts carry no `severity` label Threadline knows. */
    severity: fallbackSeverity,
  })
  .superRefine((block, ctx) => {
    if (block.enabled === true && !block.bearer_token && !block.basic_auth)
      ctx.addIssue({
        code: 'custom',
        path: ['bearer_token'],
        message:
          'is required while POST /hooks/alertmanager is enabled (or basic_auth; or inbound.alertmanager.enabled: false)',
      });
  })
  .transform(({ enabled, bearer_token, basic_auth, severity }) => ({
    enabled: enabled ?? Boolean(bearer_token || basic_auth),
    // Keys kept as written: the config's secrets are found by key name (src/config/secrets.ts).
    bearer_token: bearer_token ?? [],
    basic_auth: basic_auth ?? [],
    severity,
  }));

export type AlertmanagerInboundConfig = z.output<typeof AlertmanagerInbound>;

export const ALERTMANAGER_INBOUND_OFF: AlertmanagerInboundConfig = {
  enabled: false,
  bearer_token: [],
  basic_auth: [],
  severity: 'error',
};
