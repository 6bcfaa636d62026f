import { z } from 'zod';
import { deliveryCommon, flag, httpUrl, secret } from '../../core/schema-primitives.js';
import { trackerPollingKeys } from '../ticketing/polling-config.js';

/** Jira transitions are addressed by id; a status name is the usual mistake. */
function transitionId(example: string) {
  return z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(/^\d+$/, `must be a numeric transition id like "${example}", not a status name`));
}

function customField(example: string) {
  return z.string().regex(/^customfield_\d+$/, `must be a custom field id like "customfield_${example}"`);
}

/** Jira Cloud (REST v3, ADF) or Jira Data Center / Server (REST v2, wiki markup). */
export const JIRA_DEPLOYMENTS = ['cloud', 'data_center'] as const;
export type JiraDeployment = (typeof JIRA_DEPLOYMENTS)[number];

export const JiraIntegration = z.strictObject({
  ...deliveryCommon,
  base_url: httpUrl.optional(),
  /** Unset: cloud on *.atlassian.net, else data_center when Data Center credentials are given, else cloud. */
  deployment: z.enum(JIRA_DEPLOYMENTS).optional(),
  /** Jira Cloud: the Atlassian account's e-mail and an API token. */
  email: z.string().min(1).optional(),
  api_token: secret.optional(),
  /** Jira Data Center: a personal access token (sent as a Bearer token) … */
  personal_access_token: secret.optional(),
  /** … or a user's name and password (basic auth). */
  username: z.string().min(1).optional(),
  password: secret.optional(),
  project_key: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key like "PROJ"'),
  issue_type: z.string().min(1).default('Story'),
  transition_on_approve: transitionId('21').optional(),
  transition_on_implement: transitionId('31').optional(),
  field_mappings: z
    .strictObject({
      spec_id: customField('10001').optional(),
      acceptance_criteria: customField('10002').optional(),
    })
    .default({}),
  create_subtasks: flag.default(false),
  /** The secret of the Jira webhook that reports issue changes to POST /hooks/jira. */
  webhook_secret: secret.optional(),
  /** Status polling while the webhooks cannot reach us (integrations.md, Status polling). */
  ...trackerPollingKeys,
});

export type JiraIntegrationConfig = z.infer<typeof JiraIntegration>;
