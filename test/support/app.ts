import { request } from 'undici';
import { assemble, type RunningApp, type ServeRole } from '../../src/assemble.js';
import type { LoadedConfig } from '../../src/config/load.js';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { EVENTS_SECRET, testConfig } from './config.js';
import { capturingLogger } from './logs.js';
import { dropPrefix, uniquePrefix } from './redis.js';
import { sign } from './sign.js';

export interface TestApp {
  app: RunningApp;
  logs: () => string;
  post(
    body: unknown,
    options?: { secret?: string; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; json: Record<string, unknown> }>;
  close(): Promise<void>;
}

/** Runs the real app in this process, on a free port, logging into memory. */
export async function startTestApp(loaded: LoadedConfig, role: ServeRole = 'all'): Promise<TestApp> {
  const { logger, text } = capturingLogger(loaded);
  const app = await assemble(loaded, { role, logger, port: 0, host: '127.0.0.1' });
  return {
    app,
    logs: text,
    async post(body, options = {}) {
      const raw = options.raw ?? JSON.stringify(body);
      const response = await request(`${app.url}/hooks/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-signature-256': sign(raw, options.secret ?? EVENTS_SECRET),
          ...options.headers,
        },
        body: raw,
      });
      const text = await response.body.text();
      return { status: response.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    close: async () => {
      await app.close();
    },
  };
}

export function specEvent(
  event: string,
  id: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id,
    event,
    spec: {
      id: 'FEAT-0001',
      title: 'User Authentication',
      file: 'specs/features/FEAT-0001.yaml',
      status: 'implemented',
    },
    ...extra,
  };
}

/**
 * The app with the webhooks integration pointed at a loopback receiver, under its own key prefix.
 * `endpoints` gets the receiver's URL and returns the YAML list of endpoints; `stop` closes the
 * app and the receiver and drops the prefix.
 */
export async function startWebhookApp(
  name: string,
  endpoints: (receiverUrl: string) => string,
  env: Record<string, string> = {},
): Promise<{
  t: TestApp;
  receiver: WebhookReceiver;
  prefix: string;
  integrations: string;
  stop(): Promise<void>;
}> {
  const prefix = uniquePrefix(name);
  const receiver = await new WebhookReceiver().start();
  const integrations = `integrations:\n  webhooks:\n    enabled: true\n    endpoints:\n${endpoints(receiver.url)}`;
  const t = await startTestApp(testConfig(prefix, integrations, env));
  return {
    t,
    receiver,
    prefix,
    integrations,
    async stop() {
      await t.close();
      await receiver.stop();
      await dropPrefix(prefix);
    },
  };
}
