import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createDependencyMonitor } from '@boltlink/observability/dependencies';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createEdgeMetrics } from './metrics.ts';

interface Rule {
  alert?: string;
  expr?: unknown;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const alertsFile = fileURLToPath(new URL('../../../infra/prometheus/alerts.yml', import.meta.url));
const document = parse(readFileSync(alertsFile, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
const rulesOf = (group: string) => document.groups.find((g) => g.name === group)?.rules ?? [];
const checked = [...rulesOf('boltlink-edge'), ...rulesOf('boltlink-dependencies')];

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
  const known = new Map<string, Set<string>>();
  for (const metric of metrics.registry.getMetricsAsArray()) {
    const { name, labelNames } = metric as unknown as { name: string; labelNames?: string[] };
    known.set(name, new Set([...(labelNames ?? []), 'service']));
  }
  return known;
}

const PROMQL_WORDS = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'offset', 'bool']);

/** Every metric an expression selects (names not followed by `(`), with the label names it matches on. */
function selectors(expr: string) {
  const found: { metric: string; labels: string[] }[] = [];
  const bare = expr.replace(/\b(by|without)\s*\([^)]*\)/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  for (const match of bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()\s*(\{([^}]*)\})?/g)) {
    const metric = match[1] as string;
    if (PROMQL_WORDS.has(metric) || /^\d/.test(metric)) continue;
    const labels = [...(match[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)].map(
      (m) => m[1] as string,
    );
    found.push({ metric, labels });
  }
  return found;
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
    (_name, rule) => {
      expect(typeof rule.expr).toBe('string');
      expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      const used = selectors(String(rule.expr));
      expect(used.length).toBeGreaterThan(0);
      for (const { metric, labels } of used) {
        const labelNames = known.get(metric);
        expect(labelNames, `${metric} is not registered by the edge`).toBeDefined();
        for (const label of labels)
          expect(labelNames?.has(label), `${metric} has no label ${label}`).toBe(true);
      }
      const grouped = [...String(rule.expr).matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] ?? '').split(',').map((label) => label.trim()),
      );
      for (const label of grouped) {
        expect(
          used.some(({ metric }) => known.get(metric)?.has(label)),
          `by (${label}) names no label of the rule's metrics`,
        ).toBe(true);
      }
    },
  );
});
