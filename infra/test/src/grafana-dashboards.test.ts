import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectors } from '@boltlink/testing/alert-rules';
import { dashboardQueries, SERVICES, serviceOf } from '@boltlink/testing/dashboards';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './paths.ts';

// Which metrics and labels each query may name is checked against what each service really registers, in
// that service's own test (apps/*/src/prometheus-alerts.test.ts); here, that every query is pinned to one.
const dashboardsDir = join(repoRoot, 'infra/grafana/dashboards');
/** Grafana's reference to the dashboard's `datasource` variable, so an operator picks their Prometheus. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JavaScript template
const DATASOURCE_VARIABLE = '${datasource}';
const files = readdirSync(dashboardsDir).filter((name) => name.endsWith('.json'));

interface Panel {
  id?: number;
  type?: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string }[];
  panels?: Panel[];
}

describe('infra/grafana/dashboards', () => {
  it('holds the BoltLink dashboard', () => {
    expect(files).toContain('boltlink.json');
  });

  it.each(files)(
    '%s: unique panel ids, every panel titled, described and on the chosen Prometheus',
    (file) => {
      const dashboard = JSON.parse(readFileSync(join(dashboardsDir, file), 'utf8')) as {
        uid?: string;
        panels: Panel[];
        templating?: { list: { name: string; type: string }[] };
      };
      expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
      expect(dashboard.templating?.list).toContainEqual(
        expect.objectContaining({ name: 'datasource', type: 'datasource' }),
      );
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        expect(panel.title, `panel ${panel.id}`).toBeTruthy();
        expect(panel.description, `${panel.title} has no description`).toBeTruthy();
        expect(panel.datasource).toEqual({ type: 'prometheus', uid: DATASOURCE_VARIABLE });
        expect(panel.targets?.length, `${panel.title} has no query`).toBeGreaterThan(0);
      }
    },
  );

  it('covers redirects, latency, clicks served/counted/dropped, the backlog, ingestion, stats latency and dependencies', () => {
    const metrics = new Set(
      dashboardQueries().flatMap((query) => selectors(query.expr).map((s) => s.metric)),
    );
    for (const metric of [
      'edge_redirects_total',
      'http_request_duration_seconds_bucket',
      'clicks_enqueued_total',
      'boltlink_clicks_ingested_total',
      'clicks_dropped_total',
      'boltlink_queue_jobs',
      'boltlink_click_batch_duration_seconds_bucket',
      'boltlink_dependency_up',
    ]) {
      expect(metrics, metric).toContain(metric);
    }
  });

  it('pins every metric a query names to one service with a service="…" matcher', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      const used = selectors(query.expr);
      expect(used.length, `${query.panel}: ${query.expr}`).toBeGreaterThan(0);
      for (const selector of used) {
        expect(
          serviceOf(selector),
          `${query.panel}: ${selector.metric} is not pinned to one of ${SERVICES}`,
        ).not.toBeNull();
      }
    }
  });
});

describe('infra/grafana/provisioning', () => {
  it('loads the dashboards folder and a Prometheus data source', () => {
    const dashboards = parse(
      readFileSync(join(repoRoot, 'infra/grafana/provisioning/dashboards.yml'), 'utf8'),
    );
    expect(dashboards.providers[0]).toMatchObject({ type: 'file', options: { path: expect.any(String) } });
    const sources = parse(readFileSync(join(repoRoot, 'infra/grafana/provisioning/datasources.yml'), 'utf8'));
    expect(sources.datasources[0]).toMatchObject({ type: 'prometheus' });
  });
});
