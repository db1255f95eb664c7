// The representative server for cluster benchmarks: bare Fastify answering GET /:code with a 302, started
// through runClustered exactly as a service is (WEB_CONCURRENCY workers, graceful SIGTERM with
// close-with-grace + app.close(), the listening server handed back so a stopping worker drains).
import { runClustered } from '@boltlink/cluster/run';
import closeWithGrace from 'close-with-grace';
import Fastify from 'fastify';
import { jsonLogger } from './json-logger.ts';

async function start() {
  const app = Fastify({ logger: false });
  app.get('/:code', (_request, reply) => {
    reply.code(302).header('location', 'https://example.com/landing').send();
  });
  app.get('/ready', (_request, reply) => {
    reply.send({ status: 'ready' });
  });
  closeWithGrace({ delay: 10_000, logger: false }, async () => {
    jsonLogger.info({}, 'shutting down');
    await app.close();
  });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 8090) });
  return { server: app.server };
}

await runClustered({ start, logger: jsonLogger, shutdownTimeoutMs: 30_000 });
