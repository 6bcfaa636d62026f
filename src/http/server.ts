import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { sendError } from './errors.js';

export interface Probes {
  /** Everything this process needs to do its work; each check answers within its own deadline. */
  readiness(): Promise<{ ready: boolean; checks: Record<string, string> }>;
  /** Refreshes gauges read at scrape time (queue depth). */
  beforeScrape?(): Promise<void>;
}

/**
 * The one HTTP server. Bodies are kept as raw bytes (signatures are computed over them), only
 * JSON is accepted on the hook routes, and every error has the same JSON shape.
 */
export function createHttpServer(options: {
  bodyLimit: number;
  logger: Logger;
  metrics: Metrics;
  probes: Probes;
}): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      options.metrics.eventsRejected.inc({ reason: 'size' });
      return sendError(reply, 413, 'too_large', `the body is larger than ${options.bodyLimit} bytes`);
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      options.metrics.eventsRejected.inc({ reason: 'content_type' });
      return sendError(reply, 415, 'unsupported_media_type', 'send the body as application/json');
    }
    if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.statusCode === 400) {
      return sendError(reply, 400, 'bad_body', error.message);
    }
    options.logger.error({ err: error }, 'unhandled error in HTTP handler');
    return sendError(reply, 500, 'internal', 'internal error');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'not_found', `no route for ${request.method} ${request.url}`),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const result = await options.probes.readiness();
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });

  app.get('/metrics', async (_request, reply) => {
    await options.probes
      .beforeScrape?.()
      .catch((error: unknown) => options.logger.warn({ err: error }, 'metrics refresh failed'));
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  return app;
}
