import { readFileSync } from 'node:fs';
import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import {
  alertRules,
  expectRuleMatchesMetrics,
  metricNames,
  registeredMetrics,
  selectors,
} from '@boltlink/testing/alert-rules';
import { expectDashboardsMatchMetrics } from '@boltlink/testing/dashboards';
import { describe, expect, it } from 'vitest';
import { createEdgeMetrics } from './metrics.ts';

const checked = alertRules('boltlink-edge', 'boltlink-dependencies');

/** What the edge really registers, name → label names (as its app.ts and server.ts build it). */
function edgeMetrics(): Map<string, Set<string>> {
  const metrics = createMetricsRegistry('redirect-edge');
  createEdgeMetrics(metrics);
  const ok = async () => undefined;
  createDependencyMonitor({
    checks: { postgres: ok, queueRedis: ok, cacheRedis: ok },
    intervalMs: 5000,
    timeoutMs: 1000,
    metrics,
  });
  return registeredMetrics(metrics.registry);
}

describe('infra/prometheus/alerts.yml, edge and dependency rules', () => {
  const known = edgeMetrics();

  it('has rules for dropped clicks, an open cache breaker, a dependency down and stale checks', () => {
    const used = checked.flatMap((rule) => selectors(String(rule.expr)).map((s) => s.metric));
    expect(used).toEqual(
      expect.arrayContaining([
        'clicks_dropped_total',
        'link_cache_breaker_state',
        'boltlink_dependency_up',
        'boltlink_dependency_checked_at_seconds',
      ]),
    );
  });

  it.each(checked.map((rule) => [rule.alert ?? '(unnamed)', rule] as const))(
    '%s names only metrics and labels the edge exports',
    (_name, rule) => expectRuleMatchesMetrics(rule, known, 'edge'),
  );
});

describe('docs/operations/operating.md', () => {
  it('describes every metric the edge registers (Node process metrics aside)', () => {
    const page = readFileSync(new URL('../../../docs/operations/operating.md', import.meta.url), 'utf8');
    const missing = metricNames(edgeMetrics()).filter(
      (name) => !/^(process|nodejs)_/.test(name) && !page.includes(`\`${name}\``),
    );
    expect(missing).toEqual([]);
  });
});

describe('infra/grafana/dashboards', () => {
  it('queries only metrics and labels the edge exports', () => {
    expect(expectDashboardsMatchMetrics('redirect-edge', edgeMetrics())).toBeGreaterThan(0);
  });
});
