import { Type } from 'typebox';
import { loadApiConfig } from './api.ts';
import { loadConsumerConfig } from './consumer.ts';
import { loadDashboardConfig } from './dashboard.ts';
import { loadEdgeConfig } from './edge.ts';
import { ConfigError, type ConfigIssue, loadConfig, port } from './env.ts';

/** The runner's own variables: where `make up` puts each service. */
export const StackConfigSchema = Type.Object({
  apiPort: port(3000, 'Port of the management API under `make up`'),
  apiMetricsPort: port(9100, 'Metrics port of the management API under `make up`'),
  edgePort: port(8080, 'Port of the redirect edge under `make up`'),
  edgeMetricsPort: port(9101, 'Metrics port of the redirect edge under `make up`'),
  consumerPort: port(3001, 'Port of the analytics consumer under `make up`'),
  dashboardPort: port(3002, 'Port of the dashboard under `make up`'),
});

export interface StackService {
  name: 'management-api' | 'redirect-edge' | 'analytics-consumer' | 'dashboard';
  port: number;
  metricsPort?: number;
}

// What the embedded servers will be; only used to check the other variables before they exist.
const PLACEHOLDER_URLS = {
  DATABASE_URL: 'postgres://boltlink:boltlink@127.0.0.1:5432/boltlink',
  REDIS_URL: 'redis://127.0.0.1:6379',
};

function issuesOf(load: () => unknown): ConfigIssue[] {
  try {
    load();
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
}

/**
 * Checks everything `make up` would hand to the services, through the services' own schemas, before
 * anything starts: one `ConfigError` naming every bad variable as the operator typed it (EDGE_PORT, not the
 * PORT the edge would have seen). Returns the services' ports.
 */
export function loadStackConfig(env: NodeJS.ProcessEnv): StackService[] {
  const stack = loadConfig(StackConfigSchema, env);
  const services: StackService[] = [
    { name: 'management-api', port: stack.apiPort, metricsPort: stack.apiMetricsPort },
    { name: 'redirect-edge', port: stack.edgePort, metricsPort: stack.edgeMetricsPort },
    { name: 'analytics-consumer', port: stack.consumerPort },
    { name: 'dashboard', port: stack.dashboardPort },
  ];

  const issues: ConfigIssue[] = [];
  const owners = new Map<number, string>();
  const ports: [variable: string, value: number][] = [
    ['API_PORT', stack.apiPort],
    ['API_METRICS_PORT', stack.apiMetricsPort],
    ['EDGE_PORT', stack.edgePort],
    ['EDGE_METRICS_PORT', stack.edgeMetricsPort],
    ['CONSUMER_PORT', stack.consumerPort],
    ['DASHBOARD_PORT', stack.dashboardPort],
  ];
  for (const [variable, value] of ports) {
    const owner = owners.get(value);
    if (owner) issues.push({ variable, problem: `must differ from ${owner} (both ${value})` });
    else owners.set(value, variable);
  }

  const serviceEnv = (service: StackService): NodeJS.ProcessEnv => ({
    ...PLACEHOLDER_URLS,
    ...env,
    PORT: String(service.port),
    ...(service.metricsPort === undefined ? {} : { METRICS_PORT: String(service.metricsPort) }),
  });
  const loaders = {
    'management-api': loadApiConfig,
    'redirect-edge': loadEdgeConfig,
    'analytics-consumer': loadConsumerConfig,
    dashboard: loadDashboardConfig,
  } as const;
  if (issues.length === 0) {
    for (const service of services) {
      for (const issue of issuesOf(() => loaders[service.name](serviceEnv(service)))) {
        const seen = issues.some((i) => i.variable === issue.variable && i.problem === issue.problem);
        if (!seen) issues.push(issue);
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return services;
}
