import { availableParallelism } from 'node:os';

/**
 * Number of worker processes from `WEB_CONCURRENCY`, defaulting to the cores this process may run on.
 * In a container `availableParallelism()` sees the host's cores, not the CPU limit, so the Kubernetes
 * manifests set WEB_CONCURRENCY from `limits.cpu` explicitly.
 */
export function workerCountFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.WEB_CONCURRENCY?.trim();
  if (raw === undefined || raw === '') return availableParallelism();
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 256) {
    throw new RangeError(`WEB_CONCURRENCY must be a whole number from 1 to 256, got "${raw}"`);
  }
  return Number(raw);
}
