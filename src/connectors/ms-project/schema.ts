import { z } from 'zod';
import { deliveryCommon, httpUrl, int, secret } from '../../core/schema-primitives.js';
import { duration } from '../../workflows/duration.js';

export const MsProjectIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://graph.microsoft.com/v1.0'),
  /** Where the client-credentials token is asked for: `{auth_url}/{tenant_id}/oauth2/v2.0/token`. */
  auth_url: httpUrl.default('https://login.microsoftonline.com'),
  tenant_id: z.string().min(1),
  client_id: z.string().min(1),
  client_secret: secret.optional(),
  plan_id: z.string().min(1),
  bucket_id: z.string().min(1).optional(),
  /** Planner's progress is a percentage; these are what a spec's stages set it to. */
  percent_on_approve: int(0, 100).default(50),
  percent_on_implement: int(0, 100).default(100),
  /** Azure AD user object ids assigned to every task Threadline opens. */
  assignees: z.array(z.string().min(1)).max(20).default([]),
  /**
   * How often the plan is listed for progress changed in Planner (Planner has no webhook we can
   * rely on); 0 turns the poll off. Milliseconds after parsing.
   */
  poll_interval: duration(0, 86_400_000)
    .refine((ms) => ms === 0 || ms >= 1_000, 'must be 0 (off) or at least 1s')
    .default(60_000),
});

export type MsProjectIntegrationConfig = z.infer<typeof MsProjectIntegration>;
