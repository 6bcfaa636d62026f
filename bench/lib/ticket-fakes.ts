/**
 * Child of bench:tickets: the five tracker fakes of test/fakes on loopback, each answering after
 * `delayMs`, counting its requests in flight; the parent reads the figures over IPC.
 */
import type { ServerResponse } from 'node:http';
import {
  AZURE_PAT,
  PROJECT as AZURE_PROJECT,
  FakeAzureDevOps,
  ORGANIZATION,
} from '../../test/fakes/azure-devops.js';
import { FakeGitHub, GITHUB_TOKEN, OWNER, REPO } from '../../test/fakes/github.js';
import { FakeJira, JIRA_EMAIL, JIRA_TOKEN } from '../../test/fakes/jira.js';
import { FakeLinear, LINEAR_API_KEY, TEAM_ID } from '../../test/fakes/linear.js';
import type { LoopbackOptions } from '../../test/fakes/loopback.js';
import {
  BUCKET_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  FakeGraph,
  PLAN_ID,
  TENANT,
} from '../../test/fakes/ms-graph.js';
import { serveRpc } from './ipc.js';

const TRACKERS: Tracker[] = ['jira', 'github_projects', 'linear', 'azure_devops', 'ms_project'];
export type Tracker = 'jira' | 'github_projects' | 'linear' | 'azure_devops' | 'ms_project';

export interface TicketFakesReady {
  /** The `integrations:` entries pointing at the fakes (secrets as ${ENV} references). */
  integrations: Record<Tracker, Record<string, unknown>>;
  env: Record<string, string>;
}

export interface TrackerFigures {
  /** Tickets per spec sequence number (spec ids found in each stored ticket). */
  perSpec: Record<number, number>;
  /** Create requests and the time (ms since epoch) the last one was answered. */
  creates: number;
  lastCreateAt: number;
  firstCreateAt: number;
  peakInFlight: number;
  requests: number;
}

/** Counts requests open at once (arrival → response closed). */
class Gauge {
  open = 0;
  peak = 0;
  requests = 0;
  readonly options: LoopbackOptions;
  constructor(delayMs: number) {
    this.options = {
      delayMs,
      onRequest: (_req, res: ServerResponse) => {
        this.requests++;
        this.peak = Math.max(this.peak, ++this.open);
        res.once('close', () => this.open--);
      },
    };
  }
}

interface Args {
  delayMs: number;
  /** Spec ids are `<specPrefix>-<seq>`; a ticket mentioning one counts for that spec. */
  specPrefix: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const gauges = Object.fromEntries(TRACKERS.map((t) => [t, new Gauge(args.delayMs)])) as Record<
  Tracker,
  Gauge
>;
const jira = await FakeJira.start(gauges.jira.options);
const github = await FakeGitHub.start(gauges.github_projects.options);
const linear = await FakeLinear.start(gauges.linear.options);
const azure = await FakeAzureDevOps.start(gauges.azure_devops.options);
const graph = await FakeGraph.start(gauges.ms_project.options);

const specPattern = new RegExp(`${args.specPrefix}-(\\d+)`, 'i');

/** Each stored ticket and the create requests that made them. */
function sources(t: Tracker): { tickets: unknown[]; creates: Array<{ at: number }> } {
  switch (t) {
    case 'jira':
      return { tickets: [...jira.issues.values()], creates: jira.of('createIssue') };
    case 'github_projects':
      return { tickets: [...github.issues.values()], creates: github.of('createIssue') };
    case 'linear':
      return { tickets: [...linear.issues.values()], creates: linear.of('ThreadlineIssueCreate') };
    case 'azure_devops':
      return { tickets: [...azure.items.values()], creates: azure.of('createWorkItem') };
    case 'ms_project':
      return { tickets: [...graph.tasks.values()], creates: graph.of('createTask') };
  }
}

function figures(t: Tracker): TrackerFigures {
  const { tickets, creates } = sources(t);
  const perSpec: Record<number, number> = {};
  for (const ticket of tickets) {
    const match = specPattern.exec(JSON.stringify(ticket));
    if (match) perSpec[Number(match[1])] = (perSpec[Number(match[1])] ?? 0) + 1;
  }
  // `at` is stamped when the fake handles the request, i.e. after the delay: the ticket exists then.
  const times = creates.map((c) => c.at);
  return {
    perSpec,
    creates: creates.length,
    firstCreateAt: times.length ? Math.min(...times) : 0,
    lastCreateAt: times.length ? Math.max(...times) : 0,
    peakInFlight: gauges[t].peak,
    requests: gauges[t].requests,
  };
}

const ready: TicketFakesReady = {
  env: {
    BENCH_JIRA_API_TOKEN: JIRA_TOKEN,
    BENCH_GITHUB_TOKEN: GITHUB_TOKEN,
    BENCH_LINEAR_API_KEY: LINEAR_API_KEY,
    BENCH_AZURE_DEVOPS_PAT: AZURE_PAT,
    BENCH_MS_GRAPH_SECRET: CLIENT_SECRET,
  },
  integrations: {
    jira: {
      base_url: jira.baseUrl,
      email: JIRA_EMAIL,
      api_token: '${BENCH_JIRA_API_TOKEN}',
      project_key: 'PROJ',
      issue_type: 'Story',
    },
    github_projects: {
      api_url: github.baseUrl,
      token: '${BENCH_GITHUB_TOKEN}',
      repository: `${OWNER}/${REPO}`,
      project_number: 1,
      status_field: 'Status',
    },
    linear: {
      api_url: linear.apiUrl,
      api_key: '${BENCH_LINEAR_API_KEY}',
      team_id: TEAM_ID,
      labels: ['spec', 'automated'],
    },
    azure_devops: {
      base_url: azure.baseUrl,
      organization: ORGANIZATION,
      project: AZURE_PROJECT,
      pat: '${BENCH_AZURE_DEVOPS_PAT}',
      work_item_type: 'User Story',
    },
    ms_project: {
      api_url: graph.apiUrl,
      auth_url: graph.baseUrl,
      tenant_id: TENANT,
      client_id: CLIENT_ID,
      client_secret: '${BENCH_MS_GRAPH_SECRET}',
      plan_id: PLAN_ID,
      bucket_id: BUCKET_ID,
    },
  },
};

serveRpc(
  {
    figures: () => Object.fromEntries(TRACKERS.map((t) => [t, figures(t)])),
  },
  { ...ready },
);
