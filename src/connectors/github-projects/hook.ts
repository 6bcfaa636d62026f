import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { errorMessage, isPermanent, QueueUnavailableError } from '../../core/errors.js';
import { EventPayload } from '../../core/payload.js';
import { sendError } from '../../http/errors.js';
import { rawJsonBody } from '../../http/inbound.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatSurface } from '../../platforms/chat-platform.js';
import type { EventSink } from '../paging/inbound.js';
import { applyStatusChange } from '../ticketing/status-change.js';
import type { TicketingConnector } from '../ticketing/ticketing.connector.js';
import type { TicketTracker } from '../ticketing/tracker.js';

const Account = z.looseObject({ login: z.string() });
const Label = z.looseObject({ name: z.string() });
const Repository = z.looseObject({ name: z.string(), owner: Account });

/** The part of GitHub's `pull_request` webhook we read. */
const PullRequestWebhook = z.looseObject({
  action: z.string(),
  pull_request: z.looseObject({
    number: z.number().int().positive(),
    html_url: z.string().url(),
    title: z.string(),
    merged: z.boolean().nullish(),
    labels: z.array(Label).default([]),
    head: z.looseObject({ ref: z.string() }),
  }),
  repository: Repository,
  sender: Account.optional(),
});

/** The part of GitHub's `issues` webhook we read. */
const IssuesWebhook = z.looseObject({
  action: z.string(),
  issue: z.looseObject({ number: z.number().int().positive(), title: z.string(), html_url: z.string() }),
  repository: Repository,
  sender: Account.optional(),
});

/** A spec id as the spec pipeline writes them (FEAT-0001), found in a branch name or PR title. */
const SPEC_ID = /\b([A-Z][A-Z0-9]*-\d+)\b/;

/**
 * The spec a pull request implements: its `spec:<id>` label (the one Threadline puts on the
 * spec's issue), else a spec id in its branch name or title.
 */
export function specOfPullRequest(
  pr: z.infer<typeof PullRequestWebhook>['pull_request'],
): string | undefined {
  const label = pr.labels.find((l) => l.name.startsWith('spec:'))?.name.slice('spec:'.length);
  if (label) return label;
  return pr.head.ref.match(SPEC_ID)?.[1] ?? pr.title.match(SPEC_ID)?.[1];
}

/** What a pull_request webhook means for the spec pipeline, or why it means nothing. */
export function pullRequestEvent(body: unknown, deliveryId: string): EventPayload | string {
  const parsed = PullRequestWebhook.safeParse(body);
  if (!parsed.success) return 'not a pull request webhook';
  const { action, pull_request: pr, repository } = parsed.data;
  const event =
    action === 'opened' ? 'pr_created' : action === 'closed' && pr.merged === true ? 'pr_merged' : undefined;
  if (!event) return `pull_request ${action}${action === 'closed' ? ' without merging' : ''} is not followed`;
  const specId = specOfPullRequest(pr);
  if (!specId)
    return `pull request #${pr.number} names no spec (a spec:<id> label, or an id like FEAT-0001 in its branch or title)`;
  return EventPayload.parse({
    // GitHub sends a redelivery with the same X-GitHub-Delivery: the pipeline stores it once.
    id: `github-${deliveryId}`,
    event,
    spec: { id: specId },
    pr: { number: pr.number, url: pr.html_url, title: pr.title },
    repository: { owner: repository.owner.login, name: repository.name },
    branch: pr.head.ref,
  });
}

export interface GitHubHookOptions {
  connector: TicketingConnector;
  /** `integrations.github_projects.webhook_secret`. */
  secret: string;
  sink: EventSink;
  chat: () => ChatSurface | undefined;
  logger: Logger;
}

/**
 * POST /hooks/github: a repository webhook (content type application/json, secret set, so GitHub
 * signs `X-Hub-Signature-256`), checked with @octokit/webhooks. Pull requests opened and merged
 * enter the event pipeline as pr_created / pr_merged (deduplicated on X-GitHub-Delivery); an
 * issue of ours closed or reopened on GitHub reaches chat through applyStatusChange (its ticket
 * card, the spec's thread), unless our own token made the change.
 */
export function registerGitHubHook(app: FastifyInstance, options: GitHubHookOptions): void {
  const { connector } = options;
  const tracker = connector.tickets.tracker;
  // @octokit/webhooks loads only when the hook is configured.
  const verifier = import('@octokit/webhooks').then(
    ({ Webhooks }) => new Webhooks({ secret: options.secret }),
  );
  app.post('/hooks/github', async (request, reply) => {
    const raw = rawJsonBody(request, reply, {});
    if (!raw) return reply;
    const signature = request.headers['x-hub-signature-256'];
    const verified =
      typeof signature === 'string' &&
      (await (await verifier).verify(raw.toString('utf8'), signature).catch(() => false));
    if (!verified)
      return sendError(
        reply,
        401,
        'bad_signature',
        'missing or invalid X-Hub-Signature-256 (sha256=<hex HMAC-SHA256 of the raw body>, keyed with integrations.github_projects.webhook_secret)',
      );
    const name = header(request.headers['x-github-event']);
    const delivery = header(request.headers['x-github-delivery']);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return sendError(
        reply,
        400,
        'bad_json',
        'the body is not valid JSON (set the webhook content type to application/json)',
      );
    }
    if (name === 'ping') return reply.code(200).send({ ok: true });
    if (name === 'pull_request') {
      if (!delivery || !/^[\w-]{1,100}$/.test(delivery))
        return sendError(reply, 400, 'bad_delivery', 'X-GitHub-Delivery is required');
      const payload = pullRequestEvent(json, delivery);
      if (typeof payload === 'string') return reply.code(200).send({ ignored: payload });
      return accept(reply, payload, options);
    }
    // Only an issues event shows that issue changes reach us: a pull-request-only webhook does not pause the status poll.
    if (name === 'issues') {
      await connector.webhookSeen();
      return issueChange(json, delivery, reply, options, tracker);
    }
    return reply.code(200).send({ ignored: `${name ?? 'an unnamed'} event is not followed` });
  });
}

async function accept(reply: FastifyReply, payload: EventPayload, options: GitHubHookOptions) {
  try {
    return reply.code(202).send(await options.sink.accept(payload));
  } catch (error) {
    if (error instanceof QueueUnavailableError) {
      options.logger.error({ err: error.cause ?? error }, 'GitHub webhook not stored: Redis unavailable');
      // GitHub does not retry on its own; the delivery can be redelivered from the webhook's page.
      return sendError(reply, 503, 'unavailable', error.message);
    }
    throw error;
  }
}

async function issueChange(
  json: unknown,
  delivery: string | undefined,
  reply: FastifyReply,
  options: GitHubHookOptions,
  tracker: TicketTracker,
) {
  const { connector, logger } = options;
  const parsed = IssuesWebhook.safeParse(json);
  if (!parsed.success) return reply.code(200).send({ ignored: 'not an issues webhook' });
  const { action, issue, repository, sender } = parsed.data;
  if (action !== 'closed' && action !== 'reopened')
    return reply.code(200).send({ ignored: `issues ${action} is not followed` });
  const key = `${repository.owner.login}/${repository.name}#${issue.number}`;
  if (!tracker.recognises(key))
    return reply.code(200).send({ ignored: 'not an issue of the configured repository' });
  try {
    if (sender && sender.login === (await tracker.ownActor?.()))
      return reply.code(200).send({ ignored: 'our own change' });
    // Read back rather than trusted from the body: a reopened issue shows its project column.
    const ticket = await connector.run(() => tracker.get(key));
    const outcome = await applyStatusChange(connector, options.chat, {
      key,
      status: ticket.status,
      title: ticket.title ?? issue.title,
      url: ticket.url ?? issue.html_url,
      // A redelivery from the webhook's page keeps its X-GitHub-Delivery.
      change: delivery && /^[\w-]{1,100}$/.test(delivery) ? `${action}-${delivery}` : undefined,
    });
    if (!outcome.shown) return reply.code(200).send({ ignored: outcome.reason });
    logger.info({ key, status: ticket.status, ...outcome }, 'GitHub issue change shown in chat');
    return reply.code(200).send({ updated: outcome.updated });
  } catch (error) {
    logger.warn({ err: error, key }, 'GitHub issue change not shown in chat');
    if (isPermanent(error)) return reply.code(200).send({ ignored: errorMessage(error) });
    return sendError(
      reply,
      503,
      'unavailable',
      'the change could not be applied now; redeliver it from the webhook page',
    );
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
