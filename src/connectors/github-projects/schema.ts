import { z } from 'zod';
import { deliveryCommon, httpUrl, int, secret, stateMappings } from '../../core/schema-primitives.js';

export const GitHubProjectsIntegration = z.strictObject({
  ...deliveryCommon,
  api_url: httpUrl.default('https://api.github.com'),
  token: secret.optional(),
  owner: z.string().min(1).optional(),
  repository: z.string().min(1).optional(),
  project_number: int(1, 1_000_000),
  status_field: z.string().min(1).default('Status'),
  status_mappings: stateMappings.default({}),
});

export type GitHubProjectsIntegrationConfig = z.infer<typeof GitHubProjectsIntegration>;
