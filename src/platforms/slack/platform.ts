import type { Card } from '../../core/card.js';
import type { ConversationRef, MessageRef, ReplyTo } from '../../core/chat.js';
import { errorMessage, RateLimitedError, TransientError } from '../../core/errors.js';
import type { Logger } from '../../observability/logger.js';
import type { ChatPlatform } from '../chat-platform.js';
import type { SlackApi, SlackMethod, SlackResult } from './client.js';
import type { ChannelPacer } from './pacing.js';
import { renderSlackCard } from './render.js';
import type { ResponseUrls } from './response-urls.js';

/** How often one call waits out a 429 itself before the error goes to the caller. */
const RATE_LIMIT_RETRIES = 3;

interface Place {
  conversation: string;
}

/**
 * Slack as a ChatPlatform: cards as Block Kit through chat.postMessage / chat.update /
 * chat.postEphemeral (or the interaction's response_url while it is still good), paced per
 * channel across processes.
 */
export class SlackPlatform implements ChatPlatform {
  readonly name = 'slack' as const;

  constructor(
    private readonly api: SlackApi,
    private readonly pacer: ChannelPacer,
    private readonly responseUrls: ResponseUrls,
    private readonly logger: Logger,
  ) {}

  async post(target: ConversationRef, card: Card): Promise<MessageRef> {
    const result = await this.send('chat.postMessage', target, true, {
      channel: target.conversation,
      ...(target.thread ? { thread_ts: target.thread } : {}),
      ...renderSlackCard(card),
      unfurl_links: false,
      unfurl_media: false,
    });
    if (typeof result.ts !== 'string')
      throw new TransientError('Slack chat.postMessage answered without a ts');
    return {
      platform: 'slack',
      workspace: target.workspace,
      conversation: typeof result.channel === 'string' ? result.channel : target.conversation,
      id: result.ts,
      thread: target.thread,
    };
  }

  async update(message: MessageRef, card: Card): Promise<void> {
    await this.send('chat.update', message, false, {
      channel: message.conversation,
      ts: message.id,
      ...renderSlackCard(card),
    });
  }

  async postEphemeral(target: ReplyTo, card: Card): Promise<void> {
    const rendered = renderSlackCard(card);
    const url = target.responseToken;
    if (url && (await this.responseUrls.take(url))) {
      try {
        await this.api.respond(url, { response_type: 'ephemeral', replace_original: false, ...rendered });
        return;
      } catch (error) {
        // Expired or spent early (Slack's count, not ours): the Web API still reaches the user.
        this.logger.debug(
          { err: errorMessage(error) },
          'Slack response_url refused; using chat.postEphemeral',
        );
      }
    }
    await this.send('chat.postEphemeral', target, false, {
      channel: target.conversation,
      user: target.user.id,
      ...(target.thread ? { thread_ts: target.thread } : {}),
      ...rendered,
    });
  }

  private async send(
    method: SlackMethod,
    place: Place,
    isPost: boolean,
    body: Record<string, unknown>,
  ): Promise<SlackResult> {
    for (let attempt = 0; ; attempt++) {
      const slot = isPost
        ? await this.pacer.reservePost(place.conversation)
        : await this.pacer.clearance(place.conversation);
      if (!slot.granted) {
        throw new RateLimitedError(
          `Slack channel ${place.conversation} is busy; its next free slot is in ${slot.waitMs} ms`,
          slot.waitMs,
        );
      }
      if (slot.waitMs > 0) await sleep(slot.waitMs);
      try {
        return await this.api.call(method, body);
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        // Every process sending to this channel holds back for Retry-After, not just this one.
        await this.pacer.pause(place.conversation, error.retryAfterMs);
        if (attempt >= RATE_LIMIT_RETRIES || error.retryAfterMs > this.pacer.maxWaitMs) throw error;
        this.logger.warn(
          { method, channel: place.conversation, retryAfterMs: error.retryAfterMs },
          'Slack rate limited a call; retrying after Retry-After',
        );
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
