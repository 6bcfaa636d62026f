import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import { ReceiverMultipleAckError } from '@slack/bolt';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../../http/errors.js';
import type { Logger } from '../../observability/logger.js';
import { MalformedSlackRequest, parseSlackRequest } from './parse.js';
import { verifySlackSignature } from './verify.js';

/** Slack gives up after 3 s; whatever has not acknowledged by then gets an empty 200 just before. */
const ACK_DEADLINE_MS = 2_900;

interface AckResponse {
  status: number;
  body?: string | Record<string, unknown>;
}

/**
 * A Bolt receiver on the shared fastify server. It verifies the signature on the raw bytes,
 * answers ssl_check and url_verification itself, refuses malformed bodies with 400, and hands
 * everything else to Bolt, whose `ack()` becomes the HTTP response.
 */
export class FastifySlackReceiver implements Receiver {
  private app?: App;

  constructor(
    private readonly options: {
      signingSecret: () => readonly string[];
      logger: Logger;
      ackDeadlineMs?: number;
    },
  ) {}

  init(app: App): void {
    this.app = app;
  }

  // The fastify server is started and stopped by the composition root.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
    const { logger } = this.options;
    const raw = request.body;
    if (!Buffer.isBuffer(raw)) return sendError(reply, 400, 'bad_body', 'a request body is required');
    const verdict = verifySlackSignature(
      {
        timestamp: request.headers['x-slack-request-timestamp'],
        signature: request.headers['x-slack-signature'],
        rawBody: raw,
      },
      this.options.signingSecret(),
    );
    if (!verdict.ok) {
      logger.warn({ reason: verdict.reason }, 'Slack request refused: signature');
      return sendError(
        reply,
        401,
        'bad_signature',
        verdict.reason === 'stale'
          ? 'X-Slack-Request-Timestamp is more than five minutes away from our clock'
          : 'missing or invalid X-Slack-Signature',
      );
    }

    let inbound: ReturnType<typeof parseSlackRequest>;
    try {
      inbound = parseSlackRequest(request.headers['content-type'], raw);
    } catch (error) {
      if (!(error instanceof MalformedSlackRequest)) throw error;
      logger.warn({ problem: error.message }, 'Slack request refused: malformed');
      return sendError(reply, 400, 'bad_body', error.message);
    }

    switch (inbound.kind) {
      case 'ssl_check':
        return reply.code(200).send();
      case 'url_verification':
        return reply.code(200).send({ challenge: inbound.challenge });
      case 'app_rate_limited':
        logger.warn('Slack reports that this app exceeded the Events API rate limit');
        return reply.code(200).send();
      case 'dispatch': {
        const retryNum = Number(header(request, 'x-slack-retry-num'));
        const response = await this.dispatch({
          body: inbound.body,
          ack: async () => {},
          retryNum: Number.isInteger(retryNum) ? retryNum : undefined,
          retryReason: header(request, 'x-slack-retry-reason'),
        });
        reply.code(response.status);
        if (response.body === undefined || response.body === '') return reply.send();
        if (typeof response.body === 'string')
          return reply.type('text/plain; charset=utf-8').send(response.body);
        return reply.send(response.body);
      }
    }
  }

  /** Runs Bolt's middleware and listeners; resolves with whatever the first `ack()` said. */
  private dispatch(event: ReceiverEvent): Promise<AckResponse> {
    const app = this.app;
    if (!app) return Promise.resolve({ status: 503, body: { error: { code: 'starting' } } });
    return new Promise<AckResponse>((resolve) => {
      let answered = false;
      const answer = (response: AckResponse) => {
        if (answered) return false;
        answered = true;
        clearTimeout(timer);
        resolve(response);
        return true;
      };
      const timer = setTimeout(() => {
        if (answer({ status: 200 }))
          this.options.logger.warn('a Slack request was not acknowledged in time; sent an empty 200');
      }, this.options.ackDeadlineMs ?? ACK_DEADLINE_MS);
      const ack = async (response?: unknown) => {
        if (!answer({ status: 200, body: ackBody(response) })) throw new ReceiverMultipleAckError();
      };
      app.processEvent({ ...event, ack }).then(
        // Listeners finished without acknowledging (view submissions, shortcuts): nothing to say.
        () => answer({ status: 200 }),
        (error: unknown) => {
          this.options.logger.error({ err: error }, 'Slack request failed in a listener');
          answer({ status: 500, body: { error: { code: 'internal', message: 'internal error' } } });
        },
      );
    });
  }
}

function ackBody(response: unknown): AckResponse['body'] {
  if (response === undefined || response === null || response === '') return undefined;
  if (typeof response === 'string') return response;
  return response as Record<string, unknown>;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
