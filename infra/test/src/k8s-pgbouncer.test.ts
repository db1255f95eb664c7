import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildWithBuiltin, findKustomize, type Manifest } from './kustomize.ts';
import { k8sDir, repoRoot } from './paths.ts';

// The opt-in PgBouncer of infra/k8s/addons/pgbouncer: built like the overlays, checked for what a pooler in
// front of every service's Postgres connections must get right. Its config runs on a real PgBouncer in
// integration/pgbouncer-k8s.test.ts.

interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: { tcpSocket?: { port: string | number } };
  livenessProbe?: { tcpSocket?: { port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
}
interface Deployment extends Manifest {
  spec: {
    replicas?: number;
    selector: { matchLabels: Record<string, string> };
    strategy?: { rollingUpdate?: { maxUnavailable?: number } };
    template: {
      metadata: { labels: Record<string, string> };
      spec: {
        containers: Container[];
        terminationGracePeriodSeconds?: number;
        securityContext?: { runAsNonRoot?: boolean };
        volumes: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
      };
    };
  };
}

const dir = join(k8sDir, 'addons', 'pgbouncer');
const tool = findKustomize();
const manifests = tool ? tool.build(dir) : buildWithBuiltin(dir);
const byKind = <T extends Manifest>(kind: string): T[] => manifests.filter((m) => m.kind === kind) as T[];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** The settings of one section of an ini file: key → value, comments and blank lines left out. */
function section(ini: string, name: string): Map<string, string> {
  const settings = new Map<string, string>();
  let current = '';
  for (const raw of ini.split('\n')) {
    const line = raw.trim();
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) current = header[1] as string;
    else if (current === name && line !== '' && !line.startsWith(';')) {
      const [key, ...value] = line.split('=');
      settings.set((key ?? '').trim(), value.join('=').trim());
    }
  }
  return settings;
}

describe('the PgBouncer add-on', () => {
  const [deployment] = byKind<Deployment>('Deployment');
  const pod = deployment?.spec.template.spec;
  const container = pod?.containers[0];
  const ini =
    byKind<Manifest & { data: Record<string, string> }>('ConfigMap')[0]?.data['pgbouncer.ini'] ?? '';

  it('is one Deployment of two poolers, a Service in front of them and a disruption budget, in the boltlink namespace', () => {
    expect(manifests.map((m) => `${m.kind}/${m.metadata.name}`).sort()).toEqual([
      'ConfigMap/pgbouncer-config',
      'Deployment/pgbouncer',
      'PodDisruptionBudget/pgbouncer',
      'Service/pgbouncer',
    ]);
    for (const manifest of manifests) expect(manifest.metadata.namespace).toBe('boltlink');
    expect(deployment?.spec.replicas).toBeGreaterThanOrEqual(2);
    const labels = deployment?.spec.template.metadata.labels ?? {};
    expect(matches(deployment?.spec.selector.matchLabels ?? {}, labels)).toBe(true);
    const [service] = byKind<
      Manifest & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string }[] } }
    >('Service');
    expect(matches(service?.spec.selector ?? {}, labels)).toBe(true);
    expect(service?.spec.ports.map((p) => p.port)).toEqual([6432]);
    expect(container?.ports?.map((p) => p.name)).toContain(service?.spec.ports[0]?.targetPort);
    const [pdb] = byKind<Manifest & { spec: { selector: { matchLabels: Record<string, string> } } }>(
      'PodDisruptionBudget',
    );
    expect(matches(pdb?.spec.selector.matchLabels ?? {}, labels)).toBe(true);
  });

  it('runs a pinned image, non-root, with resources, probes on its port, and drains before it stops', () => {
    expect(container?.image).toMatch(/:\d+\.\d+\.\d+$/);
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    for (const bound of ['requests', 'limits'] as const) {
      expect(container?.resources?.[bound]?.cpu).toBeDefined();
      expect(container?.resources?.[bound]?.memory).toBeDefined();
    }
    const ports = (container?.ports ?? []).map((p) => p.name);
    expect(ports).toContain(container?.readinessProbe?.tcpSocket?.port);
    expect(ports).toContain(container?.livenessProbe?.tcpSocket?.port);
    expect(deployment?.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    const [command, seconds] = container?.lifecycle?.preStop?.exec?.command ?? [];
    expect(command).toBe('sleep');
    expect(pod?.terminationGracePeriodSeconds ?? 30).toBeGreaterThan(Number(seconds));
  });

  it("pools by transaction with infra/pgbouncer/pgbouncer.ini's settings, but where the secret files are", () => {
    const shipped = section(
      readFileSync(join(repoRoot, 'infra/pgbouncer/pgbouncer.ini'), 'utf8'),
      'pgbouncer',
    );
    const here = section(ini, 'pgbouncer');
    expect(here.get('pool_mode')).toBe('transaction');
    const differing = [...new Set([...shipped.keys(), ...here.keys()])].filter(
      (key) => shipped.get(key) !== here.get(key),
    );
    expect(differing.sort()).toEqual(['auth_file', 'unix_socket_dir']);
  });

  it('reads the databases and the user list from the Secret boltlink-pgbouncer, which is not in this repository', () => {
    expect(byKind('Secret')).toEqual([]);
    const secretVolume = pod?.volumes.find((v) => v.secret?.secretName === 'boltlink-pgbouncer');
    const mount = container?.volumeMounts?.find((m) => m.name === secretVolume?.name);
    expect(mount?.mountPath).toBeDefined();
    const include = /^%include\s+(\S+)$/m.exec(ini)?.[1];
    expect(include).toBe(`${mount?.mountPath}/databases.ini`);
    expect(section(ini, 'pgbouncer').get('auth_file')).toBe(`${mount?.mountPath}/userlist.txt`);
    const configVolume = pod?.volumes.find((v) => v.configMap?.name === 'pgbouncer-config');
    const config = container?.volumeMounts?.find((m) => m.name === configVolume?.name);
    // The image runs `pgbouncer /etc/pgbouncer/pgbouncer.ini`.
    expect(config).toMatchObject({ mountPath: '/etc/pgbouncer/pgbouncer.ini', subPath: 'pgbouncer.ini' });
  });
});
