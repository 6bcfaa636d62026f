import { z } from 'zod';
import { flag, httpUrl, secret } from '../core/schema-primitives.js';

/*
 * The `platforms:` block of the config: which chat platforms this process serves and how it
 * reaches them. It lives with the platforms (the config schema imports it), so a platform needs
 * nothing from config/ to read its own settings.
 */

export const PlatformsConfig = z.strictObject({
  /** The slash command's name: `/ops` in Slack and Discord, `ops …` typed to the Teams bot. */
  command: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, 'must be 1-32 lowercase letters, digits, _ or - (Discord and Slack rules)')
    .default('ops'),
  slack: z
    .strictObject({
      enabled: flag.default(false),
      api_url: httpUrl.default('https://slack.com/api/'),
      bot_token: secret.optional(),
      signing_secret: secret.optional(),
      app_token: secret.optional(),
      socket_mode: flag.default(false),
    })
    .optional(),
  teams: z
    .strictObject({
      enabled: flag.default(false),
      app_id: z.string().min(1).optional(),
      app_password: secret.optional(),
      tenant_id: z.string().min(1).optional(),
      /** Bot Framework OpenID metadata (signing keys of channel tokens); change only for sovereign clouds or tests. */
      openid_metadata_url: httpUrl.default(
        'https://login.botframework.com/v1/.well-known/openidconfiguration',
      ),
      /** AAD authority host for the bot's client-credentials tokens: {login_url}/{tenant}/oauth2/v2.0/token. */
      login_url: httpUrl.default('https://login.microsoftonline.com'),
    })
    .optional(),
  discord: z
    .strictObject({
      enabled: flag.default(false),
      api_url: httpUrl.default('https://discord.com/api/v10'),
      application_id: z.string().regex(/^\d+$/, 'must be a numeric snowflake').optional(),
      public_key: z
        .string()
        .regex(/^[0-9a-f]{64}$/i, 'must be the 64-hex-digit Ed25519 public key')
        .optional(),
      bot_token: secret.optional(),
    })
    .optional(),
});
export type PlatformsSettings = z.infer<typeof PlatformsConfig>;
