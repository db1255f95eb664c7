import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createConsumerMetrics } from './metrics.ts';
import { QUEUE_JOB_STATES, registerQueueJobsGauge } from './queue-metrics.ts';

interface Rule {
  alert?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alertsFile = fileURLToPath(new URL('../../../infra/prometheus/alerts.yml', import.meta.url));
const document = parse(readFileSync(alertsFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const consumerRules = document.groups.find((group) => group.name === 'boltlink-consumer')?.rules ?? [];
// The consumer exports the dependency gauges too (its app.ts checks Postgres and the queue Redis).
const dependencyRules = document.groups.find((group) => group.name === 'boltlink-dependencies')?.rules ?? [];

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
  const known = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
    known.set(name, new Set([...(labelNames ?? []), 'service']));
  }
  return known;
}

/** Every `boltlink_*` selector of an expression with the label names and values it matches on. */
function selectors(expr: string) {
  const found: { metric: string; labels: [string, string][] }[] = [];
  for (const match of expr.matchAll(/\b(boltlink_[a-z0-9_]+)\s*(\{([^}]*)\})?/g)) {
    const labels = [...(match[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"([^"]*)"/g)].map(
      (m) => [m[1], m[2]] as [string, string],
    );
    found.push({ metric: match[1] as string, labels });
  }
  return found;
}

describe('infra/prometheus/alerts.yml', () => {
  const known = consumerMetrics();

  it('has consumer rules for failed jobs and an unreachable dependency', () => {
    const metricsUsed = consumerRules.flatMap((rule) => selectors(String(rule.expr)).map((s) => s.metric));
    expect(metricsUsed).toEqual(
      expect.arrayContaining([
        'boltlink_jobs_failed_total',
        'boltlink_queue_jobs',
        'boltlink_consumer_dependency_available',
      ]),
    );
  });

  it('has rules for a dependency down and stale dependency checks', () => {
    const metricsUsed = dependencyRules.flatMap((rule) => selectors(String(rule.expr)).map((s) => s.metric));
    expect(metricsUsed).toEqual(
      expect.arrayContaining(['boltlink_dependency_up', 'boltlink_dependency_checked_at_seconds']),
    );
  });

  it.each([...consumerRules, ...dependencyRules].map((rule) => [rule.alert ?? '(unnamed)', rule] as const))(
    '%s names only metrics and labels the consumer exports',
    (_name, rule) => {
      expect(typeof rule.expr).toBe('string');
      expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      for (const { metric, labels } of selectors(String(rule.expr))) {
        const labelNames = known.get(metric);
        expect(labelNames, `${metric} is not registered by the consumer`).toBeDefined();
        for (const [label, value] of labels) {
          expect(labelNames?.has(label), `${metric} has no label ${label}`).toBe(true);
          if (metric === 'boltlink_queue_jobs' && label === 'state') {
            expect(QUEUE_JOB_STATES).toContain(value);
          }
        }
      }
      const grouped = [...String(rule.expr).matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] ?? '').split(',').map((label) => label.trim()),
      );
      const usedMetrics = selectors(String(rule.expr)).map((s) => known.get(s.metric));
      for (const label of grouped) {
        expect(
          usedMetrics.some((names) => names?.has(label)),
          `by (${label}) names no label of the rule's metrics`,
        ).toBe(true);
      }
    },
  );
});
