import cluster, { type Worker } from 'node:cluster';
import type { ClusterLogger } from './logger.ts';
import { SHUTDOWN_MESSAGE } from './logger.ts';
import { createRestartPolicy, type RestartPolicyOptions } from './restart-policy.ts';

export interface PrimaryOptions {
  workers: number;
  logger: ClusterLogger;
  shutdownTimeoutMs: number;
  restartPolicy: RestartPolicyOptions;
}

// Ctrl-C delivers SIGINT to the primary and to every worker at the same moment. Waiting a little before
// asking the first worker to stop lets its own SIGINT land first, so it is not signalled twice.
const SIGINT_SETTLE_MS = 150;

/**
 * Primary side: forks the workers, replaces a dead one at once (backing off in a crash loop), and on
 * SIGTERM/SIGINT stops them one after the other so the shared port keeps answering until the last
 * worker has drained. Exits when every worker is gone, or forcibly after `shutdownTimeoutMs`.
 */
export function runPrimary(options: PrimaryOptions): void {
  // A worker's pid goes under `workerPid`: the logger's own `pid` (pino's base) is the primary's, and a second
  // `pid` key in one JSON line is read differently by each log tool.
  const { logger } = options;
  const policy = createRestartPolicy(options.restartPolicy);
  // Uptime counts from `listening`: a worker that dies before it ever served failed at start, however
  // long its boot took on a loaded machine.
  const listeningAt = new Map<number, number>();
  const stableTimers = new Map<number, NodeJS.Timeout>();
  const pendingForks = new Set<NodeJS.Timeout>();
  const exitWaiters = new Map<number, () => void>();
  let stopping = false;
  let exitCode = 0;

  const fork = (): void => {
    const worker = cluster.fork();
    // A send to a worker that is exiting fails asynchronously; unhandled, that error would end the primary.
    worker.on('error', (error) =>
      logger.warn({ err: error, workerPid: worker.process.pid }, 'worker IPC error'),
    );
  };

  const aliveWorkers = (): Worker[] =>
    Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker && !worker.isDead());

  cluster.on('listening', (worker, address) => {
    logger.info({ workerPid: worker.process.pid, port: address.port }, 'worker listening');
    if (listeningAt.has(worker.id)) return;
    listeningAt.set(worker.id, Date.now());
    const stable = setTimeout(() => policy.onWorkerStable(), options.restartPolicy.minUptimeMs);
    stable.unref();
    stableTimers.set(worker.id, stable);
  });

  cluster.on('exit', (worker, code, signal) => {
    const since = listeningAt.get(worker.id);
    const uptimeMs = since === undefined ? 0 : Date.now() - since;
    clearTimeout(stableTimers.get(worker.id));
    stableTimers.delete(worker.id);
    listeningAt.delete(worker.id);

    if (stopping) {
      const clean = code === 0 || signal === 'SIGTERM' || signal === 'SIGINT';
      if (!clean) exitCode = 1;
      logger.info({ workerPid: worker.process.pid, code, signal }, 'worker stopped');
      exitWaiters.get(worker.id)?.();
      return;
    }

    logger.warn({ workerPid: worker.process.pid, code, signal, uptimeMs }, 'worker died');
    const decision = policy.onWorkerDeath(uptimeMs);
    if (decision.action === 'give-up') {
      logger.error(
        { rapidFailures: decision.rapidFailures },
        'workers keep dying right after start; stopping so the supervisor sees the failure',
      );
      exitCode = 1;
      void stopAll('crash loop');
      return;
    }
    if (decision.delayMs === 0) {
      fork();
      return;
    }
    logger.warn(
      { delayMs: decision.delayMs, rapidFailures: policy.rapidFailures },
      'delaying worker restart',
    );
    const timer = setTimeout(() => {
      pendingForks.delete(timer);
      if (!stopping) fork();
    }, decision.delayMs);
    pendingForks.add(timer);
  });

  const waitForExit = (worker: Worker): Promise<void> =>
    new Promise((resolve) => {
      if (worker.isDead()) {
        resolve();
        return;
      }
      exitWaiters.set(worker.id, () => {
        exitWaiters.delete(worker.id);
        resolve();
      });
    });

  const forceExit = (why: string): void => {
    const left = aliveWorkers();
    logger.error({ why, workerPids: left.map((worker) => worker.process.pid) }, 'killing remaining workers');
    for (const worker of left) worker.process.kill('SIGKILL');
    process.exit(1);
  };

  const stopAll = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const timer of pendingForks) clearTimeout(timer);
    pendingForks.clear();
    const deadline = setTimeout(
      () => forceExit(`not stopped within ${options.shutdownTimeoutMs} ms`),
      options.shutdownTimeoutMs,
    );
    logger.info({ reason, workers: aliveWorkers().length }, 'stopping workers one by one');

    if (reason === 'SIGINT') await new Promise((resolve) => setTimeout(resolve, SIGINT_SETTLE_MS));
    for (let worker = aliveWorkers()[0]; worker !== undefined; worker = aliveWorkers()[0]) {
      const remaining = aliveWorkers().length;
      logger.info({ workerPid: worker.process.pid, remaining }, 'stopping worker');
      const exited = waitForExit(worker);
      if (worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill('SIGTERM');
      await exited;
    }
    clearTimeout(deadline);
    logger.info({ exitCode }, 'all workers stopped');
    process.exit(exitCode);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) forceExit(`second ${signal}`);
      else void stopAll(signal);
    });
  }

  logger.info({ workers: options.workers }, 'cluster primary started');
  for (let i = 0; i < options.workers; i += 1) fork();
}
