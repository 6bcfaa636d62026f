import { z } from 'zod';
import { UserFacingError } from '../core/errors.js';
import type { RedisClient } from '../core/redis-client.js';

export type WaiverStatus = 'pending' | 'approved' | 'rejected';

/** One approver's vote: who (the RBAC member key), the name shown on cards, and when. */
export interface WaiverVote {
  by: string;
  name?: string;
  at: string;
}

/** Who acts: the RBAC member key (`slack:U123`) and the display name the platform gave. */
export interface Voter {
  by: string;
  name?: string;
}

const Vote = z.object({
  by: z.string(),
  name: z.string().optional(),
  at: z.string(),
  // The request that cast it, so a retried job recognises its own vote.
  request: z.string().optional(),
});

const StoredWaiver = z.object({
  id: z.string(),
  specId: z.string(),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  requestedBy: z.string(),
  requestedByName: z.string().optional(),
  requestedAt: z.string(),
  // Waivers stored before quorums existed were decided by one approver.
  requiredApprovals: z.number().int().min(1).default(1),
  // Lua's cjson writes an empty list as {}.
  approvals: z.preprocess((v) => (Array.isArray(v) ? v : []), z.array(Vote)),
  rejection: Vote.optional(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  decidedRequest: z.string().optional(),
});

export interface Waiver {
  id: string;
  specId: string;
  reason: string;
  status: WaiverStatus;
  requestedBy: string;
  requestedByName?: string;
  requestedAt: string;
  /** The quorum in force when the waiver was requested; a config change never moves it. */
  requiredApprovals: number;
  /** Distinct approvers, in the order they approved. */
  approvals: WaiverVote[];
  rejection?: WaiverVote;
  /** Whose vote decided it (the last approval of the quorum, or the rejection), and when. */
  decidedBy?: string;
  decidedAt?: string;
}

/**
 * What one vote did: `decided` (this vote reached the quorum or rejected), `counted` (an
 * approval short of the quorum), `already-voted` (this approver had approved already) or
 * `already-decided` (the waiver was decided before this vote).
 */
export type VoteOutcome = 'decided' | 'counted' | 'already-voted' | 'already-decided';

/*
 * Casts one vote atomically, so a double click or two processes count once. ARGV: decision
 * (approve|reject), voter key, voter name, time, request key. A request key seen before answers
 * as it did the first time: a retried job goes on to emit and post what the first try did not.
 * Returns {code, waiver}: 2 decided, 1 counted, 3 already voted, 0 already decided,
 * -2 the requester's own waiver, -1 missing.
 */
const VOTE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1, ''} end
local waiver = cjson.decode(raw)
local approvals = waiver.approvals
if type(approvals) ~= 'table' then approvals = {} end
if waiver.decidedRequest == ARGV[5] then return {2, raw} end
for _, vote in ipairs(approvals) do
  if vote.request == ARGV[5] then return {1, raw} end
end
if waiver.status ~= 'pending' then return {0, raw} end
if waiver.requestedBy == ARGV[2] then return {-2, raw} end
local vote = {by = ARGV[2], at = ARGV[4], request = ARGV[5]}
if ARGV[3] ~= '' then vote.name = ARGV[3] end
local code = 1
if ARGV[1] == 'reject' then
  waiver.status = 'rejected'
  waiver.rejection = vote
  code = 2
else
  for _, earlier in ipairs(approvals) do
    if earlier.by == ARGV[2] then return {3, raw} end
  end
  table.insert(approvals, vote)
  waiver.approvals = approvals
  if #approvals >= (tonumber(waiver.requiredApprovals) or 1) then
    waiver.status = 'approved'
    code = 2
  end
end
if code == 2 then
  waiver.decidedBy = ARGV[2]
  waiver.decidedAt = ARGV[4]
  waiver.decidedRequest = ARGV[5]
end
local encoded = cjson.encode(waiver)
redis.call('SET', KEYS[1], encoded, 'KEEPTTL')
return {code, encoded}
`;

const OUTCOMES: Record<number, VoteOutcome> = {
  2: 'decided',
  1: 'counted',
  3: 'already-voted',
  0: 'already-decided',
};

const RETENTION_SECONDS = 365 * 86_400;

/**
 * Waiver requests and their approvals. A waiver is approved once `requiredApprovals` distinct
 * approvers have approved it, and rejected by the first rejection. Either decision is final, and
 * the requester never votes on their own waiver.
 */
export class WaiverStore {
  private readonly requiredApprovals: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    options: { requiredApprovals?: number } = {},
  ) {
    this.requiredApprovals = options.requiredApprovals ?? 1;
  }

  /** Creates once per idempotency key: a retried job gets the waiver the first try made. */
  async request(
    input: { specId: string; reason: string; requester: Voter },
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
      requestedBy: input.requester.by,
      ...(input.requester.name ? { requestedByName: input.requester.name } : {}),
      requestedAt: new Date().toISOString(),
      requiredApprovals: this.requiredApprovals,
      approvals: [],
    };
    await this.redis.set(this.key(id), JSON.stringify(waiver), 'EX', RETENTION_SECONDS);
    return waiver;
  }

  async get(id: string): Promise<Waiver> {
    const raw = await this.redis.get(this.key(id.toUpperCase()));
    if (!raw) throw new UserFacingError(`There is no waiver ${id}.`);
    return parseWaiver(raw);
  }

  approve(id: string, voter: Voter, requestKey: string): Promise<{ outcome: VoteOutcome; waiver: Waiver }> {
    return this.vote(id, 'approve', voter, requestKey);
  }

  reject(id: string, voter: Voter, requestKey: string): Promise<{ outcome: VoteOutcome; waiver: Waiver }> {
    return this.vote(id, 'reject', voter, requestKey);
  }

  private async vote(
    id: string,
    decision: 'approve' | 'reject',
    voter: Voter,
    requestKey: string,
  ): Promise<{ outcome: VoteOutcome; waiver: Waiver }> {
    const [code, raw] = (await this.redis.eval(
      VOTE,
      1,
      this.key(id.toUpperCase()),
      decision,
      voter.by,
      voter.name ?? '',
      new Date().toISOString(),
      requestKey,
    )) as [number, string];
    if (code === -1) throw new UserFacingError(`There is no waiver ${id}.`);
    if (code === -2)
      throw new UserFacingError('You requested this waiver, so you cannot decide it. Ask another approver.');
    const outcome = OUTCOMES[code];
    if (!outcome) throw new Error(`unexpected answer ${code} from the waiver vote script`);
    return { outcome, waiver: parseWaiver(raw) };
  }

  private key(id: string): string {
    return `${this.prefix}:waiver:${id}`;
  }
}

function parseWaiver(raw: string): Waiver {
  const { decidedRequest: _, approvals, rejection, ...waiver } = StoredWaiver.parse(JSON.parse(raw));
  // A waiver decided before quorums existed kept only decidedBy: that one vote was the decision.
  const legacyVote =
    waiver.decidedBy && waiver.decidedAt ? { by: waiver.decidedBy, at: waiver.decidedAt } : undefined;
  const votes =
    approvals.length === 0 && waiver.status === 'approved' && legacyVote ? [legacyVote] : approvals;
  const rejected = rejection ?? (waiver.status === 'rejected' ? legacyVote : undefined);
  return {
    ...waiver,
    approvals: votes.map(publicVote),
    ...(rejected ? { rejection: publicVote(rejected) } : {}),
  };
}

function publicVote({ request: _, ...vote }: z.infer<typeof Vote>): WaiverVote {
  return vote;
}

/** How a voter is named on cards and in replies: `@alice`, else the member key. */
export function voterName(vote: { by: string; name?: string }): string {
  return vote.name ? `@${vote.name}` : vote.by;
}

/** A vote with its signature: `@alice (slack:U1) at 2026-…`, or `slack:U1 at 2026-…` without a name. */
export function signedVote(vote: WaiverVote): string {
  return vote.name ? `${voterName(vote)} (${vote.by}) at ${vote.at}` : `${vote.by} at ${vote.at}`;
}
