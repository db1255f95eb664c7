import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './paths.ts';

const rulesFile = join(repoRoot, 'infra/prometheus/alerts.yml');
const testsFile = join(repoRoot, 'infra/prometheus/alerts.test.yml');

// Debian's prometheus package brings promtool; scripts/ensure-tool.sh installs it before `make test`.
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool)
  console.warn('[boltlink] promtool is not installed: the promtool checks of alerts.yml are skipped');

interface RuleTest {
  name?: string;
  alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
}

const alertNames = (
  parse(readFileSync(rulesFile, 'utf8')) as { groups: { rules: { alert?: string }[] }[] }
).groups.flatMap((group) => group.rules.flatMap((rule) => (rule.alert ? [rule.alert] : [])));
const cases = (parse(readFileSync(testsFile, 'utf8')) as { tests: RuleTest[] }).tests.flatMap(
  (test) => test.alert_rule_test ?? [],
);

describe('infra/prometheus/alerts.yml', () => {
  // promtool is a separate program: a busy host can take seconds to start it, which is no failure of the rules.
  it.skipIf(!promtool)('is valid for Prometheus (promtool check rules)', { timeout: 60_000 }, () => {
    const out = execFileSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    expect(out).toContain(`SUCCESS: ${alertNames.length} rules found`);
  });

  it.skipIf(!promtool)(
    'passes its unit tests (promtool test rules alerts.test.yml)',
    { timeout: 60_000 },
    () => {
      const run = spawnSync('promtool', ['test', 'rules', testsFile], { encoding: 'utf8' });
      expect(`${run.stdout}${run.stderr}`).toContain('SUCCESS');
      expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    },
  );

  it.each(alertNames)('%s is tested both firing and staying quiet', (alert) => {
    const own = cases.filter((c) => c.alertname === alert);
    expect(
      own.some((c) => (c.exp_alerts ?? []).length > 0),
      `${alert} never fires in a test`,
    ).toBe(true);
    expect(
      own.some((c) => (c.exp_alerts ?? []).length === 0),
      `${alert} is never tested quiet`,
    ).toBe(true);
  });
});
