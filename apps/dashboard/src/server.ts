import { fileURLToPath } from 'node:url';
import { exitOnConfigError } from '@boltlink/config/env';
import { loadDashboardConfig } from '@boltlink/config/services';
import { createLoggerOptions } from '@boltlink/observability/logger';
import { installGracefulShutdown } from '@boltlink/observability/shutdown';
import pino from 'pino';
import { buildApp } from './app.ts';

const config = exitOnConfigError(() => loadDashboardConfig(process.env));
const logger = pino(createLoggerOptions({ service: 'dashboard', level: config.logLevel }));
// Next to this file: dist/public once bundled (dist/server.js), ../dist/public from src/ under tsx.
const publicDir = fileURLToPath(
  new URL(import.meta.url.endsWith('/dist/server.js') ? './public' : '../dist/public', import.meta.url),
);

const app = await buildApp({ publicDir, apiUrl: config.apiUrl, logger });
installGracefulShutdown({ app, logger, delayMs: 10_000 });
await app.listen({ host: config.host, port: config.port });
