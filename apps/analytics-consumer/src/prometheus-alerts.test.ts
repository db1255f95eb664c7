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
import { createConsumerMetrics } from './metrics.ts';
import { QUEUE_JOB_STATES, registerQueueJobsGauge } from './queue-metrics.ts';

const consumerRules = alertRules('boltlink-consumer');
// The consumer exports the dependency gauges too (its app.ts checks Postgres and the queue Redis).
const dependencyRules = alertRules('boltlink-dependencies');

/** What the consumer really registers, name → label names (as its server.ts builds it). */
function consumerMetrics(): Map<string, Set<string>> {
  const metrics = createMetricsRegistry('analytics-consumer');
  createConsumerMetrics(metrics);
  registerQueueJobsGauge(metrics, []);
  const ok = async () => undefined;
  createDependencyMonitor({
    checks: { postgres: ok, queueRedis: ok },
    intervalMs: 5000,
    timeoutMs: 1000,
    metrics,
  });
  return registeredMetrics(metrics.registry);
}

const metricsOf = (rules: typeof consumerRules) =>
  rules.flatMap((rule) => selectors(String(rule.expr)).map((s) => s.metric));

describe('infra/prometheus/alerts.yml', () => {
  const known = consumerMetrics();

  it('has consumer rules for failed jobs and an unreachable dependency', () => {
    expect(metricsOf(consumerRules)).toEqual(
      expect.arrayContaining([
        'boltlink_jobs_failed_total',
        'boltlink_queue_jobs',
        'boltlink_consumer_dependency_available',
      ]),
    );
  });

  it('has rules for a dependency down and stale dependency checks', () => {
    expect(metricsOf(dependencyRules)).toEqual(
      expect.arrayContaining(['boltlink_dependency_up', 'boltlink_dependency_checked_at_seconds']),
    );
  });

  it.each([...consumerRules, ...dependencyRules].map((rule) => [rule.alert ?? '(unnamed)', rule] as const))(
    '%s names only metrics and labels the consumer exports, and only job states that exist',
    (_name, rule) => {
      expectRuleMatchesMetrics(rule, known, 'consumer');
      for (const { metric, labels } of selectors(String(rule.expr))) {
        for (const [label, value] of labels) {
          if (metric === 'boltlink_queue_jobs' && label === 'state')
            expect(QUEUE_JOB_STATES).toContain(value);
        }
      }
    },
  );
});

describe('docs/operations/operating.md', () => {
  it('describes every metric the consumer registers (Node process metrics aside)', () => {
    const page = readFileSync(new URL('../../../docs/operations/operating.md', import.meta.url), 'utf8');
    const missing = metricNames(consumerMetrics()).filter(
      (name) => !/^(process|nodejs)_/.test(name) && !page.includes(`\`${name}\``),
    );
    expect(missing).toEqual([]);
  });
});

describe('infra/grafana/dashboards', () => {
  it('queries only metrics and labels the consumer exports', () => {
    expect(expectDashboardsMatchMetrics('analytics-consumer', consumerMetrics())).toBeGreaterThan(0);
  });
});
