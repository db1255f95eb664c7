// The baseline: a bare Fastify app answering every GET /:code with a 302 and nothing else.
// Same framework, same loader and same process setup as the edge, so the ratio isolates the edge's own work.
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 8090);
const app = Fastify({ logger: false });
app.get('/:code', (_request, reply) => {
  reply.code(302).header('location', 'https://example.com/landing').send();
});
app.get('/ready', (_request, reply) => {
  reply.send({ status: 'ready' });
});
await app.listen({ host: '127.0.0.1', port });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
