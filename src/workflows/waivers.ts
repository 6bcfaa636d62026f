import { UserFacingError } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';

export type WaiverStatus = 'pending' | 'approved' | 'rejected';

export interface Waiver {
  id: string;
  specId: string;
  reason: string;
  status: WaiverStatus;
  requestedBy: string;
  requestedAt: string;
  decidedBy?: string;
  decidedAt?: string;
}

/*
 * Records a decision once. ARGV: decision, who, when. Returns {code, waiver}: 1 decided,
 * 0 already decided, -2 the requester tried to decide their own waiver, -1 missing.
 */
const DECIDE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local waiver = cjson.decode(raw)
if waiver.status ~= 'pending' then return {0, raw} end
if waiver.requestedBy == ARGV[2] then return {-2, raw} end
waiver.status = ARGV[1]
waiver.decidedBy = ARGV[2]
waiver.decidedAt = ARGV[3]
local encoded = cjson.encode(waiver)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return {1, encoded}
`;

/**
 * Waiver requests and their single final decision. Approval quorums (N of M) come with the
 * incident workflows of step 4; the rules here already hold there: a decision is final and a
 * requester never decides their own waiver.
 */
export class WaiverStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  async request(
    input: { specId: string; reason: string; by: string },
    idempotencyKey: string,
  ): Promise<Waiver> {
    const idemKey = `${this.prefix}:idem:waiver:${idempotencyKey}`;
    const existing = await this.redis.get(idemKey);
    if (existing) return this.get(existing);
    const id = `WVR-${await this.redis.incr(`${this.prefix}:waiver:seq`)}`;
    if ((await this.redis.set(idemKey, id, 'EX', 86_400, 'NX')) !== 'OK')
      return this.get((await this.redis.get(idemKey))!);
    const waiver: Waiver = {
      id,
      specId: input.specId,
      reason: input.reason,
      status: 'pending',
      requestedBy: input.by,
      requestedAt: new Date().toISOString(),
    };
    await this.redis.set(this.key(id), JSON.stringify(waiver), 'EX', 365 * 86_400);
    return waiver;
  }

  async get(id: string): Promise<Waiver> {
    const raw = await this.redis.get(this.key(id.toUpperCase()));
    if (!raw) throw new UserFacingError(`There is no waiver ${id}.`);
    return JSON.parse(raw) as Waiver;
  }

  async decide(
    id: string,
    decision: 'approved' | 'rejected',
    by: string,
  ): Promise<{ applied: boolean; waiver: Waiver }> {
    const [code, raw] = (await this.redis.eval(
      DECIDE,
      1,
      this.key(id.toUpperCase()),
      decision,
      by,
      new Date().toISOString(),
    )) as [number, string];
    if (code === -1) throw new UserFacingError(`There is no waiver ${id}.`);
    if (code === -2)
      throw new UserFacingError('You requested this waiver, so you cannot decide it. Ask another approver.');
    return { applied: code === 1, waiver: JSON.parse(raw) as Waiver };
  }

  private key(id: string): string {
    return `${this.prefix}:waiver:${id}`;
  }
}
