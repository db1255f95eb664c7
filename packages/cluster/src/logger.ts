/** The subset of a pino logger the cluster runtime writes to, so any pino instance fits. */
export interface ClusterLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** IPC message the primary sends a worker to begin its graceful stop. */
export const SHUTDOWN_MESSAGE = { boltlinkCluster: 'shutdown' } as const;

export function isShutdownMessage(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { boltlinkCluster?: unknown }).boltlinkCluster === SHUTDOWN_MESSAGE.boltlinkCluster
  );
}
