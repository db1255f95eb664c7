import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const k8sDir = fileURLToPath(new URL('../../k8s/', import.meta.url));

/** The three back-end services (they use Postgres and both Redis) and the port each listens on (packages/config defaults). */
export const backendServices = {
  'redirect-edge': 8080,
  'management-api': 3000,
  'analytics-consumer': 3001,
} as const;
export type BackendServiceName = keyof typeof backendServices;

/** Every deployable service: the back end and the dashboard (the web app's pages, which only call the API). */
export const services = { ...backendServices, dashboard: 3002 } as const;
export type ServiceName = keyof typeof services;
