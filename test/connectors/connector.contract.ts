import type { Job } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectorRegistry } from '../../src/connectors/registry.js';
import type { EventName } from '../../src/core/events.js';
import { HttpClient } from '../../src/net/http-client.js';
import { type DeadLetter, DeadLetters } from '../../src/queue/dead-letters.js';
import { specEvent, startTestApp, type TestApp } from '../support/app.js';
import { testConfig } from '../support/config.js';
import { allCompleted, deliveryOutcomes } from '../support/outcomes.js';
import { dropPrefix, uniquePrefix } from '../support/redis.js';
import { waitFor } from '../support/wait.js';

/** A destination's delivery outcomes as /metrics counts them. */
interface Delivered {
  delivered: number;
  retries: number;
  deferrals: number;
}

/**
 * What every Connector promises, checked the same way for each one through the real app and
 * queue: a signed event goes in at POST /hooks/events, and the suite watches the provider's
 * loopback fake, the delivery job (its id is the delivery id), the dead letters and the logs.
 *
 * - a subscribed event is delivered once;
 * - a server error (5xx, or the provider's transient equivalent such as SMTP 451) is retried,
 *   every attempt carrying the same delivery id;
 * - a rate limit with Retry-After N waits at least N seconds and does not spend an attempt;
 * - a rejection (4xx, SMTP 550) is dead-lettered at once, with the provider's reason;
 * - refused credentials are dead-lettered at once, and the error names the config key to check;
 * - a provider that does not answer fails the attempt after the connector's timeout_ms, and
 *   the attempt is retried;
 * - no secret (webhook URL tokens, passwords, HMAC secrets) reaches an error text or a log line,
 *   even when the provider echoes it back;
 * - check() reports health without delivering: ok with a detail for a good config, and not ok
 *   with a useful detail where the connector can tell its config cannot work.
 *
 * Each connector runs it from `test/connectors/<name>.contract.test.ts` with a small subject
 * that starts its fake and translates the outcomes below into that provider's answers.
 */

/** What the provider answers to the next attempt. `says` is text it puts in its answer. */
export type ContractOutcome =
  | { kind: 'ok' }
  | { kind: 'server_error'; says?: string }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'rejected'; says: string }
  | { kind: 'auth_failed'; says?: string }
  | { kind: 'hang' };

/**
 * The cases about a provider's answer other than the rate limit (which `rateLimit` covers). A
 * subject names the ones that cannot arise for its connector in `notApplicable`.
 */
export type ProviderCase = 'server_error' | 'rejected' | 'auth_failed' | 'timeout' | 'echoed_secret';

/** One attempt as the provider saw it. */
export interface ReceivedAttempt {
  /** Arrival, in ms since the epoch. */
  at: number;
  /** The delivery id the connector put on the wire (header, Message-ID …), when it puts one there. */
  deliveryId?: string;
}

/** How the subject's integration block is set for one case. */
export interface DeliverySettings {
  event: EventName;
  retryCount: number;
  timeoutMs: number;
}

/** A provider's loopback fake, seen the same way for every connector. */
export interface ConnectorFake {
  /** The YAML under `integrations:` that enables the connector against this fake with `settings`. */
  integrationYaml(settings: DeliverySettings): string;
  /** Variables for `${VAR}` references in that YAML. */
  env?: Record<string, string>;
  /** The next attempts get these answers, in order; after them the provider behaves normally. */
  script(...outcomes: ContractOutcome[]): void;
  /** Every attempt that reached the provider, in arrival order. */
  received(): ReceivedAttempt[];
  /** Secret values the connector is configured with; none may appear in an error text or a log. */
  secrets: readonly string[];
  stop(): Promise<void>;
}

export interface ConnectorContractSubject {
  /** The describe label, e.g. "Slack incoming webhook". */
  label: string;
  /** The connector key: queue, job ids and dead letters use it (`slack`, `webhooks.ops`). */
  key: string;
  /** An event the integration block is subscribed to. */
  event: EventName;
  start(): Promise<ConnectorFake>;
  /**
   * The config key path a refused-credentials error must tell the operator to check; required
   * unless `notApplicable.auth_failed` says why there are no credentials.
   */
  authKey?: string;
  /**
   * `true` when the provider answers a rate limit with Retry-After (or its own equivalent,
   * such as Discord's retry_after); otherwise why the case does not apply.
   */
  rateLimit: true | { notApplicable: string };
  /**
   * Cases that cannot arise for this connector, each with the reason it is skipped with. A local
   * destination (the log) has no provider to answer 5xx, refuse, or leave a request hanging.
   */
  notApplicable?: Partial<Record<ProviderCase, string>>;
  /** Whether the connector puts the delivery id on the wire, so receivers can dedupe. */
  deliveryIdOnTheWire: boolean;
  /**
   * Where the connector's check() can tell a config will not work: that config, made from the
   * good YAML, and what check()'s detail must say about it.
   */
  unhealthy?: { breakYaml(good: string): string; detail: RegExp };
}

/** Long enough for any attempt here; the timeout case shows the configured one is used instead. */
const DEFAULT_TIMEOUT_MS = 5_000;
const HANG_TIMEOUT_MS = 400;
const REJECTION_REASON = 'contract-rejection: field spec.owner is required';

let eventCounter = 0;

export function runConnectorContract(subject: ConnectorContractSubject): void {
  describe(`Connector contract: ${subject.label}`, () => {
    const running: Array<() => Promise<void>> = [];
    const http = new HttpClient({ allowPrivateNetworks: true });

    afterEach(async () => {
      for (const stop of running.splice(0).reverse()) await stop();
    });
    afterAll(() => http.close());

    async function setUp(settings: Partial<Omit<DeliverySettings, 'event'>> = {}) {
      const fake = await subject.start();
      const prefix = uniquePrefix('contract');
      const full: DeliverySettings = {
        event: subject.event,
        retryCount: settings.retryCount ?? 0,
        timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      };
      const loaded = testConfig(prefix, `integrations:\n${fake.integrationYaml(full)}`, fake.env);
      let t: TestApp | undefined;
      running.push(async () => {
        await t?.close();
        await fake.stop();
        await dropPrefix(prefix);
      });
      t = await startTestApp(loaded);
      const app = t;
      const eventId = `contract-${process.pid}-${++eventCounter}`;
      const deliveryId = `${eventId}.${subject.key}`;
      const deadLetters = new DeadLetters(app.app.queues);
      const queue = app.app.queues.delivery(subject.key);
      const outcomes = async (): Promise<Delivered> => ({
        delivered: await deliveryOutcomes(app.app.metrics, subject.key, 'delivered'),
        retries: await deliveryOutcomes(app.app.metrics, subject.key, 'retry'),
        deferrals: await deliveryOutcomes(app.app.metrics, subject.key, 'deferred'),
      });
      /** Completed deliveries are removed at once: delivered shows in the metrics with nothing left in the queue. */
      const finished = async (): Promise<'completed' | 'failed'> =>
        waitFor(
          async () => {
            if ((await queue.getJobState(deliveryId)) === 'failed') return 'failed' as const;
            const done = (await outcomes()).delivered > 0 && (await allCompleted(queue));
            return done ? ('completed' as const) : undefined;
          },
          { what: `delivery ${deliveryId} to finish` },
        );
      return {
        fake,
        t: app,
        deliveryId,
        send: async () => {
          const event = specEvent(subject.event, eventId, { error: 'contract run' });
          // On a loaded machine Redis can miss the ingress deadline (503); a sender retries with the
          // same event id, and deduplication makes that safe.
          await waitFor(async () => (await app.post(event)).status === 202, {
            what: `event ${eventId} accepted`,
          });
        },
        job: async (): Promise<Job> => {
          const job = await queue.getJob(deliveryId);
          if (!job) throw new Error(`no delivery job ${deliveryId}`);
          return job;
        },
        /** What /metrics says once the delivery completed; one that failed instead fails the case, with its reason. */
        completed: async (): Promise<Delivered> => {
          const state = await finished();
          const reason = state === 'failed' ? (await queue.getJob(deliveryId))?.failedReason : undefined;
          expect(state, `delivery ${deliveryId} failed: ${reason}`).toBe('completed');
          return outcomes();
        },
        /** The dead letter of the delivery, once it has failed; one that completed instead fails the case. */
        deadLetter: async (): Promise<DeadLetter> => {
          const state = await finished();
          expect(state, `delivery ${deliveryId} was not dead-lettered`).toBe('failed');
          const letter = (await deadLetters.list()).find((l) => l.id === deliveryId);
          if (!letter) throw new Error(`no dead letter ${deliveryId} in the list`);
          return letter;
        },
      };
    }

    /** A case that runs unless the subject declares it not applicable, then skipped with the reason. */
    function providerCase(name: ProviderCase, title: string, body: () => Promise<void>): void {
      const reason = subject.notApplicable?.[name];
      if (reason === undefined) it(title, body);
      else it.skip(`${title}: not applicable, ${reason}`, () => {});
    }

    function expectWireIds(attempts: ReceivedAttempt[], deliveryId: string): void {
      if (!subject.deliveryIdOnTheWire) return;
      expect(attempts.map((a) => a.deliveryId)).toEqual(attempts.map(() => deliveryId));
    }

    function expectNoSecrets(fake: ConnectorFake, visible: string): void {
      expect(fake.secrets.length).toBeGreaterThan(0);
      for (const secret of fake.secrets) expect(visible).not.toContain(secret);
    }

    it('delivers a subscribed event once', async () => {
      const s = await setUp();
      await s.send();
      expect(await s.completed()).toEqual({ delivered: 1, retries: 0, deferrals: 0 });
      expect(s.fake.received()).toHaveLength(1);
      expectWireIds(s.fake.received(), s.deliveryId);
    });

    providerCase(
      'server_error',
      'retries a server error, every attempt with the same delivery id',
      async () => {
        const s = await setUp({ retryCount: 2 });
        s.fake.script({ kind: 'server_error' }, { kind: 'server_error' });
        await s.send();
        expect(await s.completed()).toEqual({ delivered: 1, retries: 2, deferrals: 0 });
        expect(s.fake.received()).toHaveLength(3);
        expectWireIds(s.fake.received(), s.deliveryId);
      },
    );

    if (subject.rateLimit === true) {
      it('waits at least Retry-After on a rate limit without spending an attempt', async () => {
        // retry_count 0: one attempt in all, so a 429 that spent it would end in a dead letter.
        const s = await setUp({ retryCount: 0 });
        s.fake.script({ kind: 'rate_limited', retryAfterSeconds: 1 }, { kind: 'ok' });
        await s.send();
        // No retry: the one attempt retry_count 0 allows was not spent by the 429.
        expect(await s.completed()).toEqual({ delivered: 1, retries: 0, deferrals: 1 });
        const [first, second, ...more] = s.fake.received();
        expect(more).toHaveLength(0);
        expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
        expectWireIds(s.fake.received(), s.deliveryId);
      });
    } else {
      it.skip(`waits at least Retry-After on a rate limit: not applicable, ${subject.rateLimit.notApplicable}`, () => {});
    }

    providerCase('rejected', "dead-letters a rejection at once, with the provider's reason", async () => {
      const s = await setUp({ retryCount: 3 });
      s.fake.script({ kind: 'rejected', says: REJECTION_REASON });
      await s.send();
      const letter = await s.deadLetter();
      expect(letter).toMatchObject({ integration: subject.key, event: subject.event, attempts: 1 });
      expect(letter.lastError).toContain(REJECTION_REASON);
      expect(s.fake.received()).toHaveLength(1);
    });

    providerCase(
      'auth_failed',
      'dead-letters refused credentials at once, naming the config key to check and no secret',
      async () => {
        if (subject.authKey === undefined)
          throw new Error('authKey is required unless notApplicable.auth_failed says why');
        const s = await setUp({ retryCount: 3 });
        // A provider that echoes the credentials it was sent back in its answer.
        s.fake.script({ kind: 'auth_failed', says: `refused ${s.fake.secrets.join(' ')}` });
        await s.send();
        const letter = await s.deadLetter();
        expect(letter.attempts).toBe(1);
        expect(letter.lastError).toContain(subject.authKey);
        expect(s.fake.received()).toHaveLength(1);
        expectNoSecrets(s.fake, `${JSON.stringify(letter)}\n${s.t.logs()}`);
      },
    );

    providerCase(
      'timeout',
      'fails an attempt the provider does not answer after timeout_ms, and retries it',
      async () => {
        const s = await setUp({ retryCount: 1, timeoutMs: HANG_TIMEOUT_MS });
        s.fake.script({ kind: 'hang' }, { kind: 'hang' });
        await s.send();
        const letter = await s.deadLetter();
        expect(letter.attempts).toBe(2);
        expect(letter.lastError).toContain(`${HANG_TIMEOUT_MS} ms`);
        const [first, second, ...more] = s.fake.received();
        expect(more).toHaveLength(0);
        const gap = second!.at - first!.at;
        expect(gap).toBeGreaterThanOrEqual(HANG_TIMEOUT_MS);
        expect(gap).toBeLessThan(DEFAULT_TIMEOUT_MS);
        expectWireIds(s.fake.received(), s.deliveryId);
      },
    );

    providerCase(
      'echoed_secret',
      'keeps secrets out of error texts and logs when the provider echoes them',
      async () => {
        const s = await setUp({ retryCount: 1 });
        const echo = `echo ${s.fake.secrets.join(' ')}`;
        s.fake.script({ kind: 'server_error', says: echo }, { kind: 'rejected', says: echo });
        await s.send();
        const letter = await s.deadLetter();
        expect(letter.attempts).toBe(2);
        const job = await s.job();
        const visible = [
          JSON.stringify(letter),
          job.failedReason,
          ...(job.stacktrace ?? []),
          s.t.logs(),
        ].join('\n');
        expect(s.t.logs()).toContain(s.deliveryId);
        expectNoSecrets(s.fake, visible);
      },
    );

    /** The connectors of a config, built as the app builds them but without the app. */
    async function built(yaml: (good: string) => string = (good) => good) {
      const fake = await subject.start();
      running.push(() => fake.stop());
      const settings = { event: subject.event, retryCount: 0, timeoutMs: DEFAULT_TIMEOUT_MS };
      const loaded = testConfig('unused', `integrations:\n${yaml(fake.integrationYaml(settings))}`, fake.env);
      const registry = await ConnectorRegistry.fromConfig(loaded.config, { http });
      running.push(() => registry.close());
      return { fake, registry };
    }

    it('check() reports a good config as healthy, with a detail and no secret', async () => {
      const { fake, registry } = await built();
      const health = await registry.get(subject.key)?.check();
      expect(health).toMatchObject({ ok: true, detail: expect.stringMatching(/\S/) });
      expectNoSecrets(fake, health!.detail);
    });

    const unhealthy = subject.unhealthy;
    if (unhealthy) {
      it('check() reports a config that cannot work, saying why', async () => {
        const { fake, registry } = await built((good) => unhealthy.breakYaml(good));
        const health = await registry.get(subject.key)?.check();
        expect(health?.ok).toBe(false);
        expect(health?.detail).toMatch(unhealthy.detail);
        expectNoSecrets(fake, health!.detail);
      });
    }
  });
}
