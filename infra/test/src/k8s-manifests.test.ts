import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  loadApiConfig,
  loadConsumerConfig,
  loadDashboardConfig,
  loadEdgeConfig,
  tracingSettingsOf,
} from '@boltlink/config/services';
import { describe, expect, it } from 'vitest';
import { serviceSchemas } from './env-template.ts';
import { buildWithBuiltin, findKustomize, type Manifest } from './kustomize.ts';
import { backendServices, k8sDir, type ServiceName, services } from './paths.ts';

// Loose views of the fields checked; manifests are data from YAML, validated by these tests.
type Labels = Record<string, string>;
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  lifecycle?: { preStop?: { exec?: { command: string[] }; sleep?: { seconds: number } } };
}
interface PodTemplate {
  metadata: { labels: Labels; annotations?: Record<string, string> };
  spec: { containers: Container[]; terminationGracePeriodSeconds?: number };
}
interface Workload extends Manifest {
  spec: {
    replicas?: number;
    selector?: { matchLabels: Labels };
    strategy?: { type: string; rollingUpdate?: { maxUnavailable?: number | string } };
    template: PodTemplate;
  };
}

const tool = findKustomize();
const overlays = readdirSync(join(k8sDir, 'overlays'));

const matches = (selector: Labels, labels: Labels): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);
const byKind = <T extends Manifest>(manifests: Manifest[], kind: string): T[] =>
  manifests.filter((m) => m.kind === kind) as T[];
const sortKey = (m: Manifest): string => `${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
const sorted = (manifests: Manifest[]): Manifest[] =>
  [...manifests].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
const containersOf = (workload: Workload): Container[] => workload.spec.template.spec.containers;
const loaders: Record<ServiceName, (env: NodeJS.ProcessEnv) => unknown> = {
  'redirect-edge': loadEdgeConfig,
  'management-api': loadApiConfig,
  'analytics-consumer': loadConsumerConfig,
  dashboard: loadDashboardConfig,
};
const isBackend = (name: string): boolean => name in backendServices;
/** What the cluster puts into a variable that refers elsewhere: a valid sample of each secret, a CPU count. */
const clusterValue = (
  variable: string,
  valueFrom: Record<string, Record<string, unknown>> | undefined,
): string | undefined => {
  if (valueFrom?.resourceFieldRef) return '2';
  if (!valueFrom?.secretKeyRef) return undefined;
  const samples: Record<string, string> = {
    APP_SECRET: 'k8s-manifest-test-secret-of-forty-eight-characters',
    DATABASE_URL: 'postgres://boltlink:secret@postgres:5432/boltlink',
    DATABASE_READ_URL: 'postgres://boltlink:secret@postgres-replica:5432/boltlink',
  };
  return samples[variable];
};
const preStopSeconds = (container: Container): number => {
  const preStop = container.lifecycle?.preStop;
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  return command[0] === 'sleep' ? Number(command[1]) : Number.NaN;
};

it('finds the overlays', () => {
  expect(overlays.sort()).toEqual(['dev', 'production']);
});

describe.each(overlays)('overlay %s', (overlay) => {
  const dir = join(k8sDir, 'overlays', overlay);
  const builtin = buildWithBuiltin(dir);
  const manifests = tool ? tool.build(dir) : builtin;
  const deployments = byKind<Workload>(manifests, 'Deployment');
  const jobs = byKind<Workload>(manifests, 'Job');
  // A CronJob's pods, checked like a Job's (resources, pinned images).
  const cronJobs = byKind<Manifest & { spec: { jobTemplate: { spec: { template: PodTemplate } } } }>(
    manifests,
    'CronJob',
  ).map((cron) => ({ ...cron, spec: { template: cron.spec.jobTemplate.spec.template } }) as Workload);
  const namespace = byKind(manifests, 'Namespace')[0]?.metadata.name;

  it(`builds with ${tool?.name ?? 'the built-in kustomize subset (no kustomize binary found)'}`, () => {
    expect(manifests.length).toBeGreaterThan(10);
  });

  it.skipIf(!tool)('the built-in builder produces exactly what kustomize produces', () => {
    expect(sorted(builtin)).toEqual(sorted(manifests));
  });

  it('has a Deployment and a Service per service, and a migration Job', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(Object.keys(services).sort());
    expect(
      byKind(manifests, 'Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(Object.keys(services).sort());
    expect(jobs.map((j) => containersOf(j)[0]?.image.split(':')[0])).toEqual(['boltlink/migrate']);
  });

  it('puts every namespaced resource in the overlay namespace', () => {
    expect(namespace).toBeDefined();
    for (const m of manifests.filter((m) => m.kind !== 'Namespace')) {
      expect(m.metadata.namespace, sortKey(m)).toBe(namespace);
    }
  });

  it('gives every container resources, and every service container liveness /health and readiness /ready', () => {
    for (const workload of [...deployments, ...jobs, ...cronJobs]) {
      for (const container of containersOf(workload)) {
        const where = `${workload.kind}/${workload.metadata.name}/${container.name}`;
        for (const bound of ['requests', 'limits'] as const) {
          expect(container.resources?.[bound]?.cpu, `${where} ${bound}.cpu`).toBeDefined();
          expect(container.resources?.[bound]?.memory, `${where} ${bound}.memory`).toBeDefined();
        }
        if (workload.kind !== 'Deployment') continue;
        expect(container.livenessProbe?.httpGet?.path, where).toBe('/health');
        expect(container.readinessProbe?.httpGet?.path, where).toBe('/ready');
        const portNames = (container.ports ?? []).map((p) => p.name);
        expect(portNames, where).toContain(container.livenessProbe?.httpGet?.port);
      }
    }
  });

  it('pins every image to a version tag (never latest, never untagged)', () => {
    for (const workload of [...deployments, ...jobs, ...cronJobs]) {
      for (const { image } of containersOf(workload)) {
        const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
        // Postgres releases are major.minor (18.4); everything else is pinned to major.minor.patch.
        expect(tag, image).toMatch(image.startsWith('postgres:') ? /^\d+\.\d+-/ : /^v?\d+\.\d+\.\d+/);
      }
    }
  });

  it('has selectors that match the pod labels, one Deployment per selector', () => {
    for (const deployment of deployments) {
      const selector = deployment.spec.selector?.matchLabels ?? {};
      expect(Object.keys(selector).length).toBeGreaterThan(0);
      expect(matches(selector, deployment.spec.template.metadata.labels), deployment.metadata.name).toBe(
        true,
      );
    }
    for (const service of byKind<Manifest & { spec: { selector: Labels } }>(manifests, 'Service')) {
      const targets = deployments.filter((d) =>
        matches(service.spec.selector, d.spec.template.metadata.labels),
      );
      expect(
        targets.map((d) => d.metadata.name),
        `Service ${service.metadata.name}`,
      ).toEqual([service.metadata.name]);
    }
  });

  it('has a PodDisruptionBudget for every Deployment, and HPAs for the edge and the API only', () => {
    const pdbs = byKind<Manifest & { spec: { selector: { matchLabels: Labels } } }>(
      manifests,
      'PodDisruptionBudget',
    );
    for (const deployment of deployments) {
      const covering = pdbs.filter((pdb) =>
        matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      );
      expect(covering, deployment.metadata.name).toHaveLength(1);
    }
    const hpas = byKind<
      Manifest & { spec: { scaleTargetRef: { kind: string; name: string }; minReplicas: number } }
    >(manifests, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['management-api', 'redirect-edge']);
    for (const hpa of hpas) {
      expect(hpa.spec.scaleTargetRef.kind).toBe('Deployment');
      const target = deployments.find((d) => d.metadata.name === hpa.spec.scaleTargetRef.name);
      expect(target, hpa.metadata.name).toBeDefined();
      // A replicas field would be reset by every `kubectl apply`, fighting the autoscaler.
      expect(target?.spec.replicas).toBeUndefined();
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    }
  });

  it('rolls out without losing capacity, and stops slower than it drains', () => {
    const config = byKind<Manifest & { data: Record<string, string> }>(manifests, 'ConfigMap')[0];
    const shutdownSeconds = Number(config?.data.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(shutdownSeconds).toBeGreaterThan(0);
    for (const deployment of deployments) {
      expect(deployment.spec.strategy?.type).toBe('RollingUpdate');
      expect(deployment.spec.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
      const grace = deployment.spec.template.spec.terminationGracePeriodSeconds ?? 30;
      for (const container of containersOf(deployment)) {
        const pause = preStopSeconds(container);
        expect(pause, `${deployment.metadata.name} preStop`).toBeGreaterThan(0);
        expect(grace, deployment.metadata.name).toBeGreaterThan(pause + shutdownSeconds);
      }
    }
  });

  it('reads config from the ConfigMap and secrets from the Secret', () => {
    const configMaps = byKind(manifests, 'ConfigMap').map((c) => c.metadata.name);
    const secrets = byKind<Manifest & { stringData?: Record<string, string>; data?: Record<string, string> }>(
      manifests,
      'Secret',
    );
    for (const workload of [...deployments, ...jobs]) {
      for (const container of containersOf(workload)) {
        const where = `${workload.metadata.name}/${container.name}`;
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) expect(configMaps, where).toContain(source.configMapRef.name);
        }
        const env = new Map((container.env ?? []).map((e) => [e.name, e]));
        for (const name of ['APP_SECRET', 'DATABASE_URL']) {
          if (workload.kind === 'Job' && name === 'APP_SECRET') continue;
          // Secrets are never inline values.
          expect(env.get(name)?.value, `${where} ${name}`).toBeUndefined();
        }
        for (const variable of env.values()) {
          const ref = variable.valueFrom?.secretKeyRef as
            | { name: string; key: string; optional?: boolean }
            | undefined;
          if (!ref) continue;
          expect(ref.name).toBe('boltlink-secrets');
          // The production Secret comes from the cluster's secret store, not from this repository.
          const secret = secrets.find((s) => s.metadata.name === ref.name);
          if (overlay === 'production') expect(secret).toBeUndefined();
          else if (!ref.optional)
            expect(Object.keys({ ...secret?.stringData, ...secret?.data }), where).toContain(ref.key);
        }
        if (workload.kind === 'Deployment' && isBackend(workload.metadata.name)) {
          expect(env.get('APP_SECRET')?.valueFrom?.secretKeyRef, where).toBeDefined();
          expect(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef, where).toBeDefined();
        } else if (workload.kind === 'Deployment') {
          // The dashboard's pages reach data only through the public API: it gets no secret at all.
          expect(
            [...env.values()].filter((e) => e.valueFrom?.secretKeyRef),
            where,
          ).toEqual([]);
        }
      }
    }
  });

  it('sets only variables the services read, and each service starts on what it gets', () => {
    const configMaps = new Map(
      byKind<Manifest & { data?: Record<string, string> }>(manifests, 'ConfigMap').map((c) => [
        c.metadata.name,
        c.data ?? {},
      ]),
    );
    const reads = (service: ServiceName, variable: string): boolean =>
      serviceSchemas[service].some((doc) => doc.variable === variable);
    const readSomewhere = new Set<string>();
    for (const deployment of deployments) {
      const service = deployment.metadata.name as ServiceName;
      expect(Object.keys(loaders)).toContain(service);
      for (const container of containersOf(deployment)) {
        const env: Record<string, string> = {};
        for (const source of container.envFrom ?? []) {
          const data = source.configMapRef ? configMaps.get(source.configMapRef.name) : undefined;
          for (const [variable, value] of Object.entries(data ?? {})) {
            env[variable] = value;
            if (reads(service, variable)) readSomewhere.add(variable);
          }
        }
        for (const variable of container.env ?? []) {
          expect(reads(service, variable.name), `${service} reads ${variable.name}`).toBe(true);
          const value = variable.value ?? clusterValue(variable.name, variable.valueFrom);
          expect(value, `a stand-in for ${service}'s ${variable.name}`).toBeDefined();
          if (value !== undefined) env[variable.name] = value;
        }
        // The configuration error names every variable that is wrong, so a failure here says which.
        expect(() => loaders[service](env), service).not.toThrow();
      }
    }
    // A key no service reads is a typo or a leftover: it would change nothing, silently.
    const configMapKeys = [...configMaps.values()].flatMap((data) => Object.keys(data));
    expect(configMapKeys.filter((variable) => !readSomewhere.has(variable))).toEqual([]);
  });

  it('traces nothing as shipped, and one ConfigMap key turns tracing on for each back-end service at its own ratio', () => {
    const config = byKind<Manifest & { data: Record<string, string> }>(manifests, 'ConfigMap')[0]?.data ?? {};
    // The key is there to be filled in, and empty it means off.
    expect(config.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('');
    const ratios: Record<string, number> = {
      'redirect-edge': 0.01,
      'management-api': 1,
      'analytics-consumer': 1,
    };
    const collector = 'http://otel-collector.observability:4318';
    for (const deployment of deployments.filter((d) => isBackend(d.metadata.name))) {
      const service = deployment.metadata.name as ServiceName;
      const container = containersOf(deployment)[0] as Container;
      const env: Record<string, string> = { ...config };
      for (const variable of container.env ?? []) {
        const value = variable.value ?? clusterValue(variable.name, variable.valueFrom);
        if (value !== undefined) env[variable.name] = value;
      }
      const tracing = (extra: Record<string, string>) =>
        tracingSettingsOf(loaders[service]({ ...env, ...extra }) as Parameters<typeof tracingSettingsOf>[0]);
      expect(tracing({}), service).toBeUndefined();
      expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: collector }), service).toEqual({
        tracesUrl: `${collector}/v1/traces`,
        serviceName: service,
        sampleRatio: ratios[service],
      });
    }
  });

  it('runs one edge/API worker per CPU of the limit', () => {
    for (const name of ['redirect-edge', 'management-api']) {
      const container = containersOf(deployments.find((d) => d.metadata.name === name) as Workload)[0];
      const concurrency = container?.env?.find((e) => e.name === 'WEB_CONCURRENCY');
      expect(concurrency?.valueFrom?.resourceFieldRef).toMatchObject({
        resource: 'limits.cpu',
        divisor: '1',
      });
    }
  });

  it('points the Prometheus scrape annotation at a port the pod declares', () => {
    const scraped = deployments.filter(
      (d) => d.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true',
    );
    // The dashboard serves files and keeps no metrics; every back-end service is scraped.
    expect(scraped.map((d) => d.metadata.name).sort()).toEqual(Object.keys(backendServices).sort());
    for (const deployment of scraped) {
      const port = Number(deployment.spec.template.metadata.annotations?.['prometheus.io/port']);
      const declared = containersOf(deployment).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
      expect(declared, deployment.metadata.name).toContain(port);
    }
  });

  it('serves edge and API metrics on their metrics port (METRICS_PORT), which the Service never exposes', () => {
    const expected = { 'redirect-edge': 9101, 'management-api': 9100 } as const;
    const servicesByName = new Map(
      byKind<Manifest & { spec: { ports: { port: number; targetPort: string | number }[] } }>(
        manifests,
        'Service',
      ).map((s) => [s.metadata.name, s]),
    );
    for (const [name, metricsPort] of Object.entries(expected)) {
      const deployment = deployments.find((d) => d.metadata.name === name) as Workload;
      const container = containersOf(deployment)[0] as Container;
      const annotations = deployment.spec.template.metadata.annotations ?? {};
      expect(annotations['prometheus.io/port'], name).toBe(String(metricsPort));
      expect(annotations['prometheus.io/path'], name).toBe('/metrics');
      expect(container.env?.find((e) => e.name === 'METRICS_PORT')?.value, name).toBe(String(metricsPort));
      const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
      expect(ports.get('metrics'), name).toBe(metricsPort);
      expect(ports.get('http'), name).toBe(services[name as ServiceName]);
      const exposed = servicesByName.get(name)?.spec.ports.map((p) => p.targetPort) ?? [];
      expect(exposed, name).toEqual(['http']);
      // Probes go to the public port; readiness is every 5 s and tolerates one miss.
      expect(container.readinessProbe?.httpGet?.port, name).toBe('http');
    }
  });

  it('points the dashboard at the API and lets the API accept the dashboard, as browsers reach both', () => {
    const config = byKind<Manifest & { data: Record<string, string> }>(manifests, 'ConfigMap')[0]?.data ?? {};
    const dashboard = loadDashboardConfig(config);
    const api = loadApiConfig({ ...config, APP_SECRET: clusterValue('APP_SECRET', { secretKeyRef: {} }) });
    expect(api.corsOrigins).toHaveLength(1);
    const dashboardOrigin = api.corsOrigins[0] as string;
    // Mailed links (password reset, invitations) open the same dashboard that CORS admits.
    expect(new URL(api.appUrl ?? '').origin).toBe(dashboardOrigin);
    expect(dashboard.apiUrl).not.toBe(dashboardOrigin);
    // Both public or both local: a dashboard on https calling an API on http would be blocked as mixed content.
    expect(new URL(dashboard.apiUrl).protocol).toBe(new URL(dashboardOrigin).protocol);
    if (overlay === 'production') expect(new URL(dashboardOrigin).protocol).toBe('https:');
  });

  it('gives the consumer no ingress but its metrics port', () => {
    const consumer = deployments.find((d) => d.metadata.name === 'analytics-consumer') as Workload;
    const metricsPort = containersOf(consumer)[0]?.ports?.[0]?.containerPort;
    expect(metricsPort).toBe(services['analytics-consumer']);
    const policies = byKind<
      Manifest & {
        spec: {
          podSelector: { matchLabels: Labels };
          policyTypes: string[];
          ingress?: { ports?: { port: number | string }[] }[];
        };
      }
    >(manifests, 'NetworkPolicy').filter((p) =>
      matches(p.spec.podSelector.matchLabels, consumer.spec.template.metadata.labels),
    );
    expect(policies).toHaveLength(1);
    const [policy] = policies;
    expect(policy?.spec.policyTypes).toContain('Ingress');
    const rules = policy?.spec.ingress ?? [];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      // A rule without ports would open every port.
      expect(rule.ports?.map((p) => p.port)).toEqual([metricsPort]);
    }
  });
});

describe('overlay production: the way in, autoscaled consumers, nightly dumps', () => {
  const dir = join(k8sDir, 'overlays', 'production');
  const manifests = tool ? tool.build(dir) : buildWithBuiltin(dir);
  const config = byKind<Manifest & { data: Record<string, string> }>(manifests, 'ConfigMap')[0]?.data ?? {};
  const servicePorts = new Map(
    byKind<Manifest & { spec: { ports: { name?: string }[] } }>(manifests, 'Service').map((service) => [
      service.metadata.name,
      service.spec.ports.map((port) => port.name),
    ]),
  );

  it('routes the short domain to the edge, the API and dashboard hosts to theirs, all under TLS from cert-manager', () => {
    const ingresses = byKind<
      Manifest & {
        metadata: { annotations?: Record<string, string> };
        spec: {
          tls: { hosts: string[]; secretName: string }[];
          rules: {
            host: string;
            http: {
              paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[];
            };
          }[];
        };
      }
    >(manifests, 'Ingress');
    expect(ingresses).toHaveLength(1);
    const [ingress] = ingresses;
    expect(ingress?.metadata.annotations?.['cert-manager.io/cluster-issuer']).toBeTruthy();
    const shortDomain = (config.SHORT_DOMAINS ?? '').split(',')[0]?.trim() ?? '';
    const routes = Object.fromEntries(
      (ingress?.spec.rules ?? []).map((rule) => [rule.host, rule.http.paths.map((p) => p.backend.service)]),
    );
    expect(routes).toEqual({
      [shortDomain]: [{ name: 'redirect-edge', port: { name: 'http' } }],
      [new URL(config.API_URL ?? '').host]: [{ name: 'management-api', port: { name: 'http' } }],
      [new URL(config.APP_URL ?? '').host]: [{ name: 'dashboard', port: { name: 'http' } }],
    });
    for (const [host, backends] of Object.entries(routes)) {
      for (const backend of backends)
        expect(servicePorts.get(backend.name), host).toContain(backend.port.name);
    }
    expect(ingress?.spec.tls.flatMap((tls) => tls.hosts).sort()).toEqual(Object.keys(routes).sort());
  });

  it('scales the consumers on the clicks backlog with KEDA, and nothing else sets their count', () => {
    const scaled = byKind<
      Manifest & {
        spec: {
          scaleTargetRef: { kind: string; name: string };
          minReplicaCount: number;
          maxReplicaCount: number;
          fallback?: { replicas: number };
          triggers: { type: string; metadata: { query?: string; threshold?: string } }[];
        };
      }
    >(manifests, 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef)).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'analytics-consumer' },
    ]);
    const [object] = scaled;
    expect(object?.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(object?.spec.maxReplicaCount).toBeGreaterThan(object?.spec.minReplicaCount ?? 0);
    expect(object?.spec.fallback?.replicas).toBeGreaterThanOrEqual(object?.spec.minReplicaCount ?? 1);
    const [trigger] = object?.spec.triggers ?? [];
    expect(trigger?.type).toBe('prometheus');
    // The consumer's own gauge (checked against its registry in apps/analytics-consumer's alert-rule test).
    expect(trigger?.metadata.query).toMatch(/boltlink_queue_jobs\{[^}]*queue="clicks"[^}]*state="wait"/);
    expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
    const consumer = byKind<Workload>(manifests, 'Deployment').find(
      (d) => d.metadata.name === 'analytics-consumer',
    );
    expect(consumer?.spec.replicas).toBeUndefined();
    expect(byKind(manifests, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).not.toContain(
      'analytics-consumer',
    );
  });

  it('dumps the database nightly, straight to Postgres, into a volume of its own, one dump at a time', () => {
    const crons = byKind<
      Manifest & {
        spec: {
          schedule: string;
          concurrencyPolicy: string;
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  containers: Container[];
                  volumes: { persistentVolumeClaim?: { claimName: string } }[];
                  securityContext?: { runAsNonRoot?: boolean };
                };
              };
            };
          };
        };
      }
    >(manifests, 'CronJob');
    expect(crons.map((c) => c.metadata.name)).toEqual(['postgres-backup']);
    const [cron] = crons;
    expect(cron?.spec.concurrencyPolicy).toBe('Forbid');
    const pod = cron?.spec.jobTemplate.spec.template.spec;
    expect(pod?.securityContext?.runAsNonRoot).toBe(true);
    const dump = pod?.containers[0];
    expect(dump?.image).toMatch(/^postgres:\d+/);
    expect(dump?.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'boltlink-secrets',
      key: 'MIGRATE_DATABASE_URL',
    });
    const claims = byKind(manifests, 'PersistentVolumeClaim').map((c) => c.metadata.name);
    for (const volume of pod?.volumes ?? [])
      expect(claims).toContain(volume.persistentVolumeClaim?.claimName);
  });
});
