import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import {
  alertRules,
  expectRuleMatchesMetrics,
  registeredMetrics,
  selectors,
} from '@boltlink/testing/alert-rules';
import { expectDashboardsMatchMetrics } from '@boltlink/testing/dashboards';
import { describe, expect, it } from 'vitest';

const apiRules = alertRules('boltlink-api');

/** What the API registers for the rules and dashboards: its HTTP histogram and dependency gauges (server.ts, app.ts). */
function apiMetrics(): Map<string, Set<string>> {
  const metrics = createMetricsRegistry('management-api');
  const ok = async () => undefined;
  createDependencyMonitor({
    checks: { postgres: ok, queueRedis: ok, cacheRedis: ok },
    intervalMs: 5000,
    timeoutMs: 1000,
    metrics,
  });
  return registeredMetrics(metrics.registry);
}

describe('infra/prometheus/alerts.yml, API rules', () => {
  const known = apiMetrics();

  it('has rules for server errors and slow statistics', () => {
    expect(apiRules.map((rule) => rule.alert)).toEqual(['BoltLinkApiServerErrors', 'BoltLinkStatsSlow']);
  });

  it.each(apiRules.map((rule) => [rule.alert ?? '(unnamed)', rule] as const))(
    '%s names only metrics and labels the API exports, pinned to the API',
    (_name, rule) => {
      expectRuleMatchesMetrics(rule, known, 'API');
      for (const selector of selectors(String(rule.expr))) {
        expect(selector.labels).toContainEqual(['service', 'management-api']);
      }
    },
  );
});

describe('infra/grafana/dashboards', () => {
  it('queries only metrics and labels the API exports', () => {
    expect(expectDashboardsMatchMetrics('management-api', apiMetrics())).toBeGreaterThan(0);
  });
});
