import { defineConnector, deliveryLimits, missingKeys } from '../definition.js';
import { trackerPolling } from '../ticketing/polling-config.js';
import { AzureDevOpsIntegration } from './schema.js';

/** Azure DevOps Boards: spec events keep one work item per spec in step; the ticket commands use it too. */
export const azureDevOpsConnector = defineConnector({
  name: 'azure_devops',
  schema: AzureDevOpsIntegration,
  environment: {
    organization: 'AZURE_DEVOPS_ORG',
    project: 'AZURE_DEVOPS_PROJECT',
    pat: 'AZURE_DEVOPS_PAT',
    webhook_password: 'AZURE_DEVOPS_WEBHOOK_PASSWORD',
  },
  requires: (block) => missingKeys(block, { pat: 'set AZURE_DEVOPS_PAT' }),
  async create(block, context) {
    const { pat } = block;
    // requires() has reported it; a block without it never reaches here in a valid config.
    if (!pat) return [];
    const [{ AzureDevOpsTracker }, { ticketingConnector }] = await Promise.all([
      import('./azure-devops.tracker.js'),
      import('../ticketing/for-integration.js'),
    ]);
    const { retryCount, timeoutMs } = deliveryLimits(block, context);
    const tracker = new AzureDevOpsTracker({ ...block, pat }, context.http, timeoutMs);
    return [
      ticketingConnector({
        integration: 'azure_devops',
        tracker,
        context,
        secrets: [
          pat,
          Buffer.from(`:${pat}`).toString('base64'),
          ...(block.webhook_password ? [block.webhook_password] : []),
        ],
        retryCount,
        timeoutMs,
        polling: trackerPolling(block, 'integrations.azure_devops.pat (AZURE_DEVOPS_PAT)'),
      }),
    ];
  },
});
