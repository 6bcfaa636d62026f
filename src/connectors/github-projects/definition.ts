import { defineConnector, deliveryLimits, missingKeys, requiredKey } from '../definition.js';
import { trackerPolling } from '../ticketing/polling-config.js';
import { GitHubProjectsIntegration } from './schema.js';

/**
 * GitHub Issues + Projects v2: spec events keep one issue per spec in the configured repository
 * and its item's status in the project in step; the ticket commands use it too.
 */
export const githubProjectsConnector = defineConnector({
  name: 'github_projects',
  schema: GitHubProjectsIntegration,
  // GitHub Actions gives every job both: the job's token and the `owner/name` it runs in.
  environment: {
    token: 'GITHUB_TOKEN',
    repository: 'GITHUB_REPOSITORY',
    webhook_secret: 'GITHUB_WEBHOOK_SECRET',
  },
  // The guide's block names neither: its workflows run in GitHub Actions, which sets both.
  waitsFor: (block) =>
    missingKeys(block, {
      token:
        "set GITHUB_TOKEN, as GitHub Actions does; the Integrations Guide's secrets table lists no variable for GitHub Projects",
      repository: 'set GITHUB_REPOSITORY (owner/name), as GitHub Actions does; the issues are opened there',
    }),
  requires: (block) =>
    block.repository && !block.repository.includes('/') && !block.owner
      ? [requiredKey('owner', 'repository names no owner: write it as "owner/name" or set owner')]
      : [],
  async create(block, context) {
    const { token, repository } = block;
    // Idle until both are set; validate has said so (waitsFor).
    if (!token || !repository) return [];
    // Octokit loads only when GitHub Projects is enabled.
    const [{ GitHubTracker }, { ticketingConnector }] = await Promise.all([
      import('./github.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const tracker = new GitHubTracker({ ...block, token, repository }, context.http, timeoutMs);
    return [
      ticketingConnector({
        integration: 'github_projects',
        tracker,
        context,
        secrets: [token, ...(block.webhook_secret ? [block.webhook_secret] : [])],
        retryCount,
        timeoutMs,
        polling: trackerPolling(block, 'integrations.github_projects.token (GITHUB_TOKEN)'),
      }),
    ];
  },
});
