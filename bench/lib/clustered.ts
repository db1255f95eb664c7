// Runs an entry module that starts listening when imported (an app's src/server.ts) in WEB_CONCURRENCY
// worker processes through runClustered. Used for apps whose server.ts does not call runClustered itself.
//   tsx lib/clustered.ts ../apps/redirect-edge/src/server.ts
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runClustered } from '@boltlink/cluster/run';
import { jsonLogger } from './json-logger.ts';

const entry = process.argv[2];
if (!entry) throw new Error('usage: tsx lib/clustered.ts <entry.ts>');

await runClustered({
  start: () => import(pathToFileURL(resolve(entry)).href),
  logger: jsonLogger,
  shutdownTimeoutMs: 30_000,
});
