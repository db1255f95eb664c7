import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const k8sDir = fileURLToPath(new URL('../../k8s/', import.meta.url));

/** The three deployable services and the port each listens on (packages/config defaults). */
export const services = {
  'redirect-edge': 8080,
  'management-api': 3000,
  'analytics-consumer': 3001,
} as const;
export type ServiceName = keyof typeof services;
