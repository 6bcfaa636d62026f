import { azureDevOpsConnector } from './azure-devops/definition.js';
import { datadogConnector } from './datadog/definition.js';
import { discordConnector } from './discord/definition.js';
import { emailConnector } from './email/definition.js';
import { githubProjectsConnector } from './github-projects/definition.js';
import { jiraConnector } from './jira/definition.js';
import { linearConnector } from './linear/definition.js';
import { logConnector } from './log/definition.js';
import { msProjectConnector } from './ms-project/definition.js';
import { newRelicConnector } from './new-relic/definition.js';
import { opsgenieConnector } from './opsgenie/definition.js';
import { pagerDutyConnector } from './pagerduty/definition.js';
import { sentryConnector } from './sentry/definition.js';
import { slackConnector } from './slack/definition.js';
import { teamsConnector } from './teams/definition.js';
import { webhooksConnector } from './webhook/definition.js';

/**
 * Every integration Threadline knows, in the Integrations Guide's order. The config schema, the
 * environment fallbacks, the required-when-enabled check, `threadline validate` and the registry
 * are all built from this list: a new connector is its folder plus one line here.
 */
export const CONNECTORS = [
  slackConnector,
  teamsConnector,
  discordConnector,
  emailConnector,
  jiraConnector,
  linearConnector,
  azureDevOpsConnector,
  githubProjectsConnector,
  msProjectConnector,
  pagerDutyConnector,
  opsgenieConnector,
  datadogConnector,
  newRelicConnector,
  sentryConnector,
  webhooksConnector,
  logConnector,
] as const;

export type IntegrationName = (typeof CONNECTORS)[number]['name'];
