import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};

export interface KustomizeTool {
  name: string;
  build(dir: string): Manifest[];
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors.map((error) => error.message).join('\n'));
      return doc.toJS() as Manifest | null;
    })
    .filter((doc): doc is Manifest => doc !== null);
}

/**
 * A real kustomize, if this machine has one: `$KUSTOMIZE`, `kustomize`, or `kubectl kustomize`
 * (kubectl >= 1.27 embeds kustomize v5). Returns undefined when none runs.
 */
export function findKustomize(): KustomizeTool | undefined {
  const candidates: { name: string; command: string; args: string[] }[] = [];
  if (process.env.KUSTOMIZE)
    candidates.push({ name: process.env.KUSTOMIZE, command: process.env.KUSTOMIZE, args: ['build'] });
  candidates.push({ name: 'kustomize build', command: 'kustomize', args: ['build'] });
  candidates.push({ name: 'kubectl kustomize', command: 'kubectl', args: ['kustomize'] });
  for (const candidate of candidates) {
    const probe = spawnSync(candidate.command, [...candidate.args, '--help'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    return {
      name: candidate.name,
      build(dir) {
        const run = spawnSync(candidate.command, [...candidate.args, dir], { encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`${candidate.name} ${dir} failed:\n${run.stderr}`);
        return parseManifests(run.stdout);
      },
    };
  }
  return undefined;
}

// Kinds without a namespace among those a kustomization here may contain.
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

interface Kustomization {
  resources?: string[];
  namespace?: string;
  images?: { name: string; newName?: string; newTag?: string }[];
  patches?: { path?: string; patch?: string }[];
  [field: string]: unknown;
}

const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'patches']);

/**
 * The subset of kustomize this repository uses, for machines without a kustomize binary: resources
 * (files and directories), namespace, images (newName/newTag) and strategic-merge patches targeted by
 * kind and name. Any other kustomization field is refused rather than silently ignored; the test
 * checks this builder against a real kustomize whenever one is installed.
 */
export function buildWithBuiltin(dir: string): Manifest[] {
  const file = join(dir, 'kustomization.yaml');
  const kustomization = parseManifests(readFileSync(file, 'utf8'))[0] as unknown as Kustomization;
  for (const field of Object.keys(kustomization)) {
    if (!SUPPORTED_FIELDS.has(field))
      throw new Error(`${file}: field "${field}" is not supported by the built-in builder`);
  }

  let manifests: Manifest[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${file}: resource ${entry} does not exist`);
    manifests.push(
      ...(statSync(path).isDirectory() ? buildWithBuiltin(path) : parseManifests(readFileSync(path, 'utf8'))),
    );
  }

  for (const entry of kustomization.patches ?? []) {
    const text = entry.path ? readFileSync(resolve(dir, entry.path), 'utf8') : (entry.patch ?? '');
    for (const patch of parseManifests(text)) {
      const index = manifests.findIndex(
        (m) => m.kind === patch.kind && m.metadata.name === patch.metadata.name,
      );
      if (index === -1)
        throw new Error(`${file}: patch target ${patch.kind}/${patch.metadata.name} not found`);
      manifests[index] = strategicMerge(manifests[index], patch) as Manifest;
    }
  }

  if (kustomization.images) {
    const images = kustomization.images;
    manifests = manifests.map((manifest) => rewriteImages(manifest, images));
  }

  if (kustomization.namespace) {
    const namespace = kustomization.namespace;
    manifests = manifests.map((manifest) =>
      CLUSTER_SCOPED.has(manifest.kind)
        ? manifest
        : { ...manifest, metadata: { ...manifest.metadata, namespace } },
    );
  }
  return manifests;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Maps merge recursively; lists of named items (containers, env, volumes, ports) merge by name. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (isObject(base) && isObject(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      merged[key] = value === null ? undefined : key in base ? strategicMerge(base[key], value) : value;
      if (merged[key] === undefined) delete merged[key];
    }
    return merged;
  }
  const named = (list: unknown[]): list is Record<string, unknown>[] =>
    list.every((item) => isObject(item) && typeof item.name === 'string');
  if (Array.isArray(base) && Array.isArray(patch) && named(base) && named(patch)) {
    const merged = base.map((item) => {
      const match = patch.find((p) => p.name === item.name);
      return match ? strategicMerge(item, match) : item;
    });
    for (const item of patch) if (!base.some((b) => b.name === item.name)) merged.push(item);
    return merged;
  }
  return patch;
}

function rewriteImages(manifest: Manifest, images: NonNullable<Kustomization['images']>): Manifest {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit);
    if (!isObject(node)) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
        out[key] = value.map((container) => {
          if (!isObject(container) || typeof container.image !== 'string') return visit(container);
          return { ...(visit(container) as object), image: rewriteImage(container.image, images) };
        });
      } else out[key] = visit(value);
    }
    return out;
  };
  return visit(manifest) as Manifest;
}

function rewriteImage(image: string, images: NonNullable<Kustomization['images']>): string {
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const [name, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
  const rule = images.find((candidate) => candidate.name === name);
  if (!rule) return image;
  const newTag = rule.newTag ?? tag;
  return `${rule.newName ?? name}${newTag ? `:${newTag}` : ''}`;
}
