import { Version2Client, Version3Client } from 'jira.js';
import type { HttpClient } from '../../net/http-client.js';
import { adfBulletList, adfDocument, adfMarker } from './adf.js';
import type { JiraAuth } from './deployment.js';
import type { JiraDeployment } from './schema.js';
import { jiraAdapter } from './transport.js';
import { wikiBulletList, wikiMarker, wikiText } from './wiki.js';

export interface RemoteLink {
  globalId: string;
  relationship: string;
  object: { url: string; title: string };
}

/**
 * The Jira REST calls the tracker makes, in one deployment's dialect: Cloud speaks REST v3 with
 * Atlassian Document Format, Data Center REST v2 with wiki-markup strings. Answers are returned
 * as they came; the tracker parses them.
 */
export interface JiraApi {
  readonly deployment: JiraDeployment;
  /** A description, comment or paragraph field holding plain text; `marker` as its last line. */
  text(text: string, marker?: string): unknown;
  bulletList(items: readonly string[]): unknown;
  createIssue(fields: Record<string, unknown>): Promise<unknown>;
  createIssues(issueUpdates: Array<{ fields: Record<string, unknown> }>): Promise<unknown>;
  search(jql: string, fields: string[], maxResults: number): Promise<unknown>;
  getIssue(key: string, fields: string[]): Promise<unknown>;
  addComment(key: string, body: unknown): Promise<unknown>;
  /** The newest comments first. */
  recentComments(key: string, maxResults: number): Promise<unknown>;
  transitions(key: string): Promise<unknown>;
  doTransition(key: string, id: string): Promise<unknown>;
  remoteLink(key: string, link: RemoteLink): Promise<unknown>;
  project(key: string): Promise<unknown>;
  /** `{ issueTypes }` on Cloud, `{ values }` on Data Center. */
  issueTypes(project: string): Promise<unknown>;
  myself(): Promise<unknown>;
}

interface ClientOptions {
  baseUrl: string;
  auth: JiraAuth;
  http: HttpClient;
  timeoutMs: number;
}

function clientConfig({ baseUrl, auth, http, timeoutMs }: ClientOptions) {
  const adapter = jiraAdapter(http, timeoutMs, auth.keys);
  // jira.js has no setting for a Data Center personal access token: it goes as a default header.
  return auth.kind === 'bearer'
    ? { host: baseUrl, baseRequestConfig: { adapter, headers: { Authorization: `Bearer ${auth.token}` } } }
    : {
        host: baseUrl,
        authentication: { basic: { email: auth.user, apiToken: auth.secret } },
        baseRequestConfig: { adapter },
      };
}

/** Jira Cloud: REST v3, Atlassian Document Format. */
export function cloudApi(options: ClientOptions): JiraApi {
  const client = new Version3Client(clientConfig(options));
  return {
    deployment: 'cloud',
    text: (text, marker) => {
      const doc = adfDocument(text);
      return marker ? { ...doc, content: [...doc.content, adfMarker(marker)] } : doc;
    },
    bulletList: adfBulletList,
    createIssue: (fields) => client.issues.createIssue({ fields } as never),
    createIssues: (issueUpdates) => client.issues.createIssues({ issueUpdates } as never),
    search: (jql, fields, maxResults) =>
      client.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({ jql, fields, maxResults }),
    getIssue: (key, fields) => client.issues.getIssue({ issueIdOrKey: key, fields }),
    addComment: (key, body) => client.issueComments.addComment({ issueIdOrKey: key, comment: body } as never),
    recentComments: (key, maxResults) =>
      client.issueComments.getComments({ issueIdOrKey: key, orderBy: '-created', maxResults }),
    transitions: (key) => client.issues.getTransitions({ issueIdOrKey: key }),
    doTransition: (key, id) => client.issues.doTransition({ issueIdOrKey: key, transition: { id } }),
    remoteLink: (key, link) =>
      client.issueRemoteLinks.createOrUpdateRemoteIssueLink({ issueIdOrKey: key, ...link }),
    project: (key) => client.projects.getProject({ projectIdOrKey: key }),
    issueTypes: (project) => client.issues.getCreateIssueMetaIssueTypes({ projectIdOrKey: project }),
    myself: () => client.myself.getCurrentUser(),
  };
}

/** Jira Data Center / Server: REST v2, wiki-markup strings. */
export function dataCenterApi(options: ClientOptions): JiraApi {
  const client = new Version2Client(clientConfig(options));
  return {
    deployment: 'data_center',
    text: (text, marker) => (marker ? `${wikiText(text)}\n${wikiMarker(marker)}` : wikiText(text)),
    bulletList: wikiBulletList,
    createIssue: (fields) => client.issues.createIssue({ fields } as never),
    createIssues: (issueUpdates) => client.issues.createIssues({ issueUpdates } as never),
    // Data Center has only the classic POST /rest/api/2/search (Cloud's /search/jql is Cloud's own).
    search: (jql, fields, maxResults) =>
      client.issueSearch.searchForIssuesUsingJqlPost({ jql, fields, maxResults }),
    getIssue: (key, fields) => client.issues.getIssue({ issueIdOrKey: key, fields }),
    addComment: (key, body) => client.issueComments.addComment({ issueIdOrKey: key, comment: body } as never),
    recentComments: (key, maxResults) =>
      client.issueComments.getComments({ issueIdOrKey: key, orderBy: '-created', maxResults }),
    transitions: (key) => client.issues.getTransitions({ issueIdOrKey: key }),
    doTransition: (key, id) => client.issues.doTransition({ issueIdOrKey: key, transition: { id } }),
    remoteLink: (key, link) =>
      client.issueRemoteLinks.createOrUpdateRemoteIssueLink({ issueIdOrKey: key, ...link }),
    project: (key) => client.projects.getProject({ projectIdOrKey: key }),
    issueTypes: (project) => client.issues.getCreateIssueMetaIssueTypes({ projectIdOrKey: project }),
    myself: () => client.myself.getCurrentUser(),
  };
}
