/**
 * The GraphQL documents Threadline sends to Linear, each named so Linear's logs (and our fake)
 * can tell them apart. Written against Linear's published schema (packages/sdk/src/schema.graphql).
 */
const ISSUE_FIELDS = 'id identifier title url state { id name type }';

export const LINEAR_OPERATIONS = {
  team: 'query ThreadlineTeam($id: String!) { team(id: $id) { id key name } }',
  viewer: 'query ThreadlineViewer { viewer { id name } }',
  workflowStates:
    'query ThreadlineWorkflowStates($teamId: ID!) { workflowStates(first: 250, filter: { team: { id: { eq: $teamId } } }) { nodes { id name type position } } }',
  labels:
    'query ThreadlineLabels($names: [String!]!, $teamId: ID!) { issueLabels(first: 250, filter: { name: { in: $names }, or: [{ team: { id: { eq: $teamId } } }, { team: { null: true } }] }) { nodes { id name } } }',
  findBySpec: `query ThreadlineFindBySpec($filter: IssueFilter!) { issues(first: 1, filter: $filter, orderBy: createdAt) { nodes { ${ISSUE_FIELDS} } } }`,
  issue: `query ThreadlineIssue($id: String!) { issue(id: $id) { ${ISSUE_FIELDS} } }`,
  issueCreate: `mutation ThreadlineIssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { ${ISSUE_FIELDS} } } }`,
  issueUpdate: `mutation ThreadlineIssueUpdate($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { ${ISSUE_FIELDS} } } }`,
  comments:
    'query ThreadlineComments($id: String!) { issue(id: $id) { comments(first: 250) { nodes { body } } } }',
  commentCreate:
    'mutation ThreadlineCommentCreate($input: CommentCreateInput!) { commentCreate(input: $input) { success } }',
  linkUrl:
    'mutation ThreadlineAttachmentLinkURL($issueId: String!, $url: String!, $title: String) { attachmentLinkURL(issueId: $issueId, url: $url, title: $title) { success } }',
} as const;
