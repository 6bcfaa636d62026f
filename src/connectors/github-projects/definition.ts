import { defineConnector, missingKeys } from '../definition.js';
import { GitHubProjectsIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const githubProjectsConnector = defineConnector({
  name: 'github_projects',
  schema: GitHubProjectsIntegration,
  environment: { token: 'GITHUB_TOKEN' },
  requires: (block) =>
    missingKeys(block, {
      token: "set GITHUB_TOKEN; the Integrations Guide's secrets table lists no variable for GitHub Projects",
    }),
  arrives: 'ticketing, step 3',
});
