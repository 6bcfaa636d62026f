import { defineConnector, missingKeys } from '../definition.js';
import { AzureDevOpsIntegration } from './schema.js';

/** Validated today, not delivered yet: ticketing arrives in step 3. */
export const azureDevOpsConnector = defineConnector({
  name: 'azure_devops',
  schema: AzureDevOpsIntegration,
  environment: { organization: 'AZURE_DEVOPS_ORG', project: 'AZURE_DEVOPS_PROJECT', pat: 'AZURE_DEVOPS_PAT' },
  requires: (block) => missingKeys(block, { pat: 'set AZURE_DEVOPS_PAT' }),
  arrives: 'ticketing, step 3',
});
