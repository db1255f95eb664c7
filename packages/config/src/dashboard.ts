import { type Static, Type } from 'typebox';
import { loadConfig } from './env.ts';
import { oneOf, port, str, url } from './fields.ts';

export const DashboardConfigSchema = Type.Object({
  nodeEnv: oneOf(['development', 'test', 'production'], {
    default: 'development',
    description: 'Runtime mode',
  }),
  logLevel: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'Minimum pino log level',
  }),
  host: str({ default: '0.0.0.0', description: 'Interface the HTTP server binds to' }),
  port: port(3002),
  apiUrl: url({
    protocols: ['http:', 'https:'],
    default: 'http://localhost:3000',
    description:
      "The management API's origin as browsers reach it (the dashboard's pages call it; list the dashboard's origin in the API's CORS_ORIGINS)",
  }),
});

export type DashboardConfig = Static<typeof DashboardConfigSchema>;

export function loadDashboardConfig(env: NodeJS.ProcessEnv = process.env): DashboardConfig {
  const config = loadConfig(DashboardConfigSchema, env);
  // Only the origin: the pages call `${apiUrl}/api/v1/...`, and the CSP names it.
  return { ...config, apiUrl: new URL(config.apiUrl).origin };
}
