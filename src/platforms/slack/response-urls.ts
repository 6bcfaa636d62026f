import { createHash } from 'node:crypto';
import type { RedisClient } from '../../core/redis-client.js';

/** Slack honours a response_url for 30 minutes and 5 posts; we stop a minute early. */
const LIFETIME_SECONDS = 29 * 60;
const MAX_USES = 5;

/* KEYS[1] the URL's use counter. Returns the new count, or -1 when the URL is unknown or expired. */
const TAKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('INCR', KEYS[1])
`;

/**
 * Which response_urls are still good. Ingress records each one as it arrives; a worker takes one
 * use before posting, and falls back to chat.postEphemeral once the URL is spent or expired.
 */
export class ResponseUrls {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** Origins besides Slack's own hooks hosts that may hand out response_urls (a test double, a proxy). */
    private readonly extraOrigins: readonly string[] = [],
  ) {}

  /** Only Slack's hooks hosts (and the configured API's origin) are trusted as response_urls. */
  accepts(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (this.extraOrigins.includes(parsed.origin)) return true;
    return (
      parsed.protocol === 'https:' &&
      (parsed.hostname === 'hooks.slack.com' || parsed.hostname === 'hooks.slack-gov.com')
    );
  }

  async remember(url: string | undefined): Promise<void> {
    if (!url || !this.accepts(url)) return;
    await this.redis.set(this.key(url), '0', 'EX', LIFETIME_SECONDS, 'NX');
  }

  /** True when the URL may be used once more (and counts that use). */
  async take(url: string): Promise<boolean> {
    if (!this.accepts(url)) return false;
    const count = (await this.redis.eval(TAKE, 1, this.key(url))) as number;
    return count >= 1 && count <= MAX_USES;
  }

  private key(url: string): string {
    return `${this.prefix}:slack:response-url:${createHash('sha256').update(url).digest('hex').slice(0, 32)}`;
  }
}
