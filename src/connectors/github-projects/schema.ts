import { z } from 'zod';
import { deliveryCommon, httpUrl, int, secret, stateMappings } from '../../core/schema-primitives.js';
import { trackerPollingKeys } from '../ticketing/polling-config.js';

export const GitHubProjectsIntegration = z.strictObject({
  ...deliveryCommon,
  /** REST base; GitHub Enterprise Server is `https://<host>/api/v3` (GraphQL then at `/api/graphql`). */
  api_url: httpUrl.default('https://api.github.com'),
  token: secret.optional(),
  /** The project's owner (organization or user); defaults to the repository's owner. */
  owner: z.string().min(1).optional(),
  /** Where the issues are opened: `owner/name`, or `name` with `owner`. */
  repository: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$|^[A-Za-z0-9._-]+$/,
      'must be "owner/name" like "acme/specs"',
    )
    .optional(),
  project_number: int(1, 1_000_000),
  status_field: z.string().min(1).default('Status'),
  status_mappings: stateMappings.default({}),
  /** The secret of the repository webhook that reports pull requests and issues to POST /hooks/github. */
  webhook_secret: secret.optional(),
  /** Status polling while the webhooks cannot reach us (integrations.md, Status polling). */
  ...trackerPollingKeys,
});

export type GitHubProjectsIntegrationConfig = z.infer<typeof GitHubProjectsIntegration>;
