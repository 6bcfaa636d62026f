import { z } from 'zod';
import { deliveryCommon, httpUrl, secret, stateMappings } from '../../core/schema-primitives.js';
import { trackerPollingKeys } from '../ticketing/polling-config.js';

export const AzureDevOpsIntegration = z.strictObject({
  ...deliveryCommon,
  base_url: httpUrl.default('https://dev.azure.com'),
  organization: z.string().min(1),
  project: z.string().min(1),
  pat: secret.optional(),
  work_item_type: z.string().min(1).default('User Story'),
  area_path: z.string().min(1).optional(),
  iteration_path: z.string().min(1).optional(),
  /** Spec stage → state: `approved`, `implemented`, and `done` for pr_merged (else the first Completed state). */
  state_mappings: stateMappings.default({}),
  /** Basic auth of the service hook that reports work item updates to POST /hooks/azure-devops. */
  webhook_username: z.string().min(1).default('threadline'),
  webhook_password: secret.optional(),
  /** Status polling while the webhooks cannot reach us (integrations.md, Status polling). */
  ...trackerPollingKeys,
});

export type AzureDevOpsIntegrationConfig = z.infer<typeof AzureDevOpsIntegration>;
