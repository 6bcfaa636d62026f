import { request } from 'undici';
import { WebhookReceiver } from '../fakes/webhook-receiver.js';
import { writeConfigFile } from './child.js';
import { type CliChild, startCli } from './cli-child.js';
import { EVENTS_SECRET } from './config.js';
import { sign } from './sign.js';

/**
 * The whole pipeline as it is scaled out: one `serve --role ingress` and two `serve --role
 * worker` child processes over the Redis the `redis:` block describes, delivering to two webhook
 * destinations (`a` and `b`) on one loopback receiver.
 */
export interface ScaledPipeline {
  ingressUrl: string;
  receiver: WebhookReceiver;
  children: CliChild[];
  /** Posts one signed implementation_failed event; the HTTP status, or 0 when the request failed. */
  post(id: string): Promise<number>;
  stop(): Promise<void>;
}

export const DESTINATIONS = ['webhooks.a', 'webhooks.b'] as const;

export async function startScaledPipeline(redisBlock: string): Promise<ScaledPipeline> {
  const receiver = await new WebhookReceiver().start();
  const file = writeConfigFile(`
server: { host: 127.0.0.1, port: 0, shutdown_timeout_ms: 5000 }
redis: ${redisBlock}
security: { allow_private_networks: true }
inbound: { events: { secret: "${EVENTS_SECRET}" } }
logging: { level: warn }
queue: { backoff_base_ms: 50, backoff_max_ms: 500 }
integrations:
  webhooks:
    enabled: true
    endpoints:
      - { name: a, url: "${receiver.url}/a", events: [implementation_failed] }
      - { name: b, url: "${receiver.url}/b", events: [implementation_failed] }
`);
  const children = (['ingress', 'worker', 'worker'] as const).map((role) =>
    startCli(['serve', '--config', file, '--port', '0', '--role', role]),
  );
  const stop = async () => {
    for (const child of children) child.process.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exit(10_000)));
    await receiver.stop();
  };
  try {
    await Promise.all(children.map((child) => child.waitForOutput(/listening on http:\/\/\S+/, 45_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  const ingressUrl = /listening on (http:\/\/\S+)/.exec(children[0]!.output())![1]!;
  return {
    ingressUrl,
    receiver,
    children,
    async post(id) {
      const raw = JSON.stringify({
        id,
        event: 'implementation_failed',
        spec: {
          id: 'FEAT-0001',
          title: 'User Authentication',
          file: 'specs/features/FEAT-0001.yaml',
          status: 'implemented',
        },
      });
      try {
        const response = await request(`${ingressUrl}/hooks/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-signature-256': sign(raw, EVENTS_SECRET) },
          body: raw,
        });
        await response.body.dump();
        return response.statusCode;
      } catch {
        return 0;
      }
    },
    stop,
  };
}

/** The delivery ids every event should reach each destination with. */
export function expectedDeliveryIds(eventIds: readonly string[]): string[] {
  return eventIds.flatMap((id) => DESTINATIONS.map((destination) => `${id}.${destination}`)).sort();
}
