import { z } from 'zod';
import { deliveryCommon, flag, httpUrl, secret } from '../../core/schema-primitives.js';

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

export const JiraIntegration = z.strictObject({
  ...deliveryCommon,
  base_url: httpUrl.optional(),
  email: z.string().min(1).optional(),
  api_token: secret.optional(),
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
});

export type JiraIntegrationConfig = z.infer<typeof JiraIntegration>;
