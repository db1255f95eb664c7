import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { parse } from 'yaml';

/** One alerting rule of `infra/prometheus/alerts.yml`. */
export interface AlertRule {
  alert?: string;
  expr?: unknown;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A metric an expression selects, with the label matchers it applies (name, value). */
export interface Selector {
  metric: string;
  labels: [string, string][];
}

const ALERTS_FILE = fileURLToPath(new URL('../../../infra/prometheus/alerts.yml', import.meta.url));
const PROMQL_WORDS = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'offset', 'bool']);

/** The rules of the named groups of the repository's alerts file, in file order. */
export function alertRules(...groups: string[]): AlertRule[] {
  const document = parse(readFileSync(ALERTS_FILE, 'utf8')) as {
    groups: { name: string; rules: AlertRule[] }[];
  };
  return groups.flatMap((name) => document.groups.find((group) => group.name === name)?.rules ?? []);
}

/** What a prom-client registry really holds: metric name → its label names (plus `service`, a default label). */
export function registeredMetrics(registry: { getMetricsAsArray(): unknown[] }): Map<string, Set<string>> {
  const known = new Map<string, Set<string>>();
  for (const metric of registry.getMetricsAsArray()) {
    const { name, labelNames, type } = metric as { name: string; labelNames?: string[]; type?: string };
    const labels = [...(labelNames ?? []), 'service'];
    known.set(name, new Set(labels));
    // A histogram is queried by its series: buckets (with `le`), count and sum.
    if (type === 'histogram') {
      known.set(`${name}_bucket`, new Set([...labels, 'le']));
      known.set(`${name}_count`, new Set(labels));
      known.set(`${name}_sum`, new Set(labels));
    }
  }
  return known;
}

/** The metrics themselves, without the series a histogram is queried by (`_bucket`, `_count`, `_sum`). */
export function metricNames(known: Map<string, Set<string>>): string[] {
  return [...known.keys()].filter((name) => {
    const base = /^(.*)_(bucket|count|sum)$/.exec(name)?.[1];
    return base === undefined || !known.has(base);
  });
}

/** Every metric an expression selects (names not followed by `(`), with the label matchers it applies. */
export function selectors(expr: string): Selector[] {
  const found: Selector[] = [];
  const bare = expr.replace(/\b(by|without)\s*\([^)]*\)/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  for (const match of bare.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()\s*(\{([^}]*)\})?/g)) {
    const metric = match[1] as string;
    if (PROMQL_WORDS.has(metric) || /^\d/.test(metric)) continue;
    const labels = [...(match[3] ?? '').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"([^"]*)"/g)].map(
      (m) => [m[1], m[2]] as [string, string],
    );
    found.push({ metric, labels });
  }
  return found;
}

/**
 * Checks that a rule is complete (an expression, a severity, a summary) and names only metrics and labels that
 * `known` registers, in its selectors and in its `by (…)` groupings. `exporter` names the service in messages.
 */
export function expectRuleMatchesMetrics(
  rule: AlertRule,
  known: Map<string, Set<string>>,
  exporter: string,
): void {
  expect(typeof rule.expr).toBe('string');
  expect(rule.labels?.severity).toMatch(/^(critical|warning|info)$/);
  expect(rule.annotations?.summary).toBeTruthy();
  const expr = String(rule.expr);
  const used = selectors(expr);
  expect(used.length).toBeGreaterThan(0);
  for (const { metric, labels } of used) {
    const labelNames = known.get(metric);
    expect(labelNames, `${metric} is not registered by the ${exporter}`).toBeDefined();
    for (const [label] of labels)
      expect(labelNames?.has(label), `${metric} has no label ${label}`).toBe(true);
  }
  const grouped = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? '').split(',').map((label) => label.trim()),
  );
  for (const label of grouped) {
    expect(
      used.some(({ metric }) => known.get(metric)?.has(label)),
      `by (${label}) names no label of the rule's metrics`,
    ).toBe(true);
  }
}
