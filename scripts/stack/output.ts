/**
 * What `make up` shows and what it gives the services, kept apart from the process handling in up.ts
 * so each rule can be tested on its own.
 */

/**
 * Environment of the services under `make up`: development mode, the databases just started, and the
 * loopback interface unless HOST says otherwise. A laptop's `make up` is not a server: binding 0.0.0.0
 * would offer the API and its development defaults (placeholder secrets) to everyone on the network.
 */
export function developmentEnv(
  env: NodeJS.ProcessEnv,
  urls: { databaseUrl: string; redisUrl: string },
): NodeJS.ProcessEnv {
  return {
    ...env,
    NODE_ENV: env.NODE_ENV ?? 'development',
    HOST: env.HOST ?? '127.0.0.1',
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
  };
}

/**
 * Drops the lines a person would read past on every start:
 * - Fastify's "Server listening at …", written by every worker process for every interface: the first
 *   one per service stays (the ready banner lists every address anyway);
 * - Redis's warning that `vm.overcommit_memory` is 0, a kernel setting of the machine that a local
 *   development Redis cannot change and that no Redis option silences.
 */
export function createLogFilter(): (source: string, line: string) => boolean {
  const listening = new Set<string>();
  return (source, line) => {
    if (source === 'redis' && /overcommit_memory/.test(line)) return false;
    if (line.includes('"Server listening at ')) {
      if (listening.has(source)) return false;
      listening.add(source);
    }
    return true;
  };
}

export interface BannerService {
  name: string;
  port: number;
}

/** Lines printed once every service answers /ready: where to go next. */
export function readyBanner(services: readonly BannerService[], heading: string): string[] {
  const width = Math.max(...services.map((service) => service.name.length), 'API docs'.length) + 2;
  const lines = [heading];
  for (const service of services)
    lines.push(`  ${service.name.padEnd(width)} http://localhost:${service.port}`);
  const api = services.find((service) => service.name === 'management-api');
  if (api) lines.push(`  ${'API docs'.padEnd(width)} http://localhost:${api.port}/docs`);
  lines.push('Ctrl-C stops everything');
  return lines;
}
