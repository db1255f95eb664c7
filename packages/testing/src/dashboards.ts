import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type Selector, selectors } from './alert-rules.ts';

/** The services whose metrics the dashboards query, as their `service` label names them. */
export const SERVICES = ['redirect-edge', 'management-api', 'analytics-consumer'] as const;
export type Service = (typeof SERVICES)[number];

const DASHBOARDS_DIR = fileURLToPath(new URL('../../../infra/grafana/dashboards/', import.meta.url));

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
}

interface Panel {
  title?: string;
  type?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}

/** Every query of every panel of the dashboards in infra/grafana/dashboards, rows unfolded. */
export function dashboardQueries(): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const file of readdirSync(DASHBOARDS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(DASHBOARDS_DIR + file, 'utf8')) as { panels?: Panel[] };
    const visit = (panel: Panel) => {
      for (const target of panel.targets ?? []) {
        out.push({ dashboard: file, panel: panel.title ?? '(untitled)', expr: String(target.expr ?? '') });
      }
      for (const inner of panel.panels ?? []) visit(inner);
    };
    for (const panel of dashboard.panels ?? []) visit(panel);
  }
  return out;
}

/** The service a selector is pinned to by its `service` matcher, or null when it has none (or another). */
export function serviceOf(selector: Selector): Service | null {
  const matcher = selector.labels.find(([label]) => label === 'service');
  return SERVICES.find((service) => service === matcher?.[1]) ?? null;
}

/**
 * Checks that every selector of the dashboards pinned to `service` names a metric that service registers
 * (`known`, from registeredMetrics) and only its labels. Returns how many selectors were checked.
 */
export function expectDashboardsMatchMetrics(service: Service, known: Map<string, Set<string>>): number {
  let checked = 0;
  for (const query of dashboardQueries()) {
    for (const selector of selectors(query.expr)) {
      if (serviceOf(selector) !== service) continue;
      checked += 1;
      const labelNames = known.get(selector.metric);
      expect(labelNames, `${query.panel}: ${selector.metric} is not registered by ${service}`).toBeDefined();
      for (const [label] of selector.labels) {
        expect(labelNames?.has(label), `${query.panel}: ${selector.metric} has no label ${label}`).toBe(true);
      }
      const grouped = [...query.expr.matchAll(/\bby\s*\(([^)]*)\)/g)].flatMap((m) =>
        (m[1] ?? '').split(',').map((label) => label.trim()),
      );
      for (const label of grouped) {
        if (label === 'instance' || label === 'job') continue; // added by Prometheus at scrape time
        expect(
          labelNames?.has(label),
          `${query.panel}: by (${label}) names no label of ${selector.metric}`,
        ).toBe(true);
      }
    }
  }
  return checked;
}
