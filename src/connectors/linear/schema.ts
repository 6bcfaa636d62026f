import { z } from 'zod';
import { deliveryCommon, httpUrl, secret, stateMappings } from '../../core/schema-primitives.js';
import { trackerPollingKeys } from '../ticketing/polling-config.js';

export const LinearIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.linear.app/graphql'),
  api_key: secret.optional(),
  team_id: z.string().min(1),
  labels: z.array(z.string().min(1)).default([]),
  state_mappings: stateMappings.default({}),
  /** The signing secret of the Linear webhook that reports issue changes to POST /hooks/linear. */
  webhook_secret: secret.optional(),
  /** Status polling while the webhooks cannot reach us (integrations.md, Status polling). */
  ...trackerPollingKeys,
});

export type LinearIntegrationConfig = z.infer<typeof LinearIntegration>;
