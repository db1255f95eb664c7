import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

const METRICS_REQUEST = 'boltlink:cluster-metrics-request';
const METRICS_RESPONSE = 'boltlink:cluster-metrics-response';
const FINAL_METRICS = 'boltlink:cluster-final-metrics';
const ANSWERING = 'boltlink:cluster-metrics-answering';

/** One metric as prom-client's `getMetricsAsJSON` gives it (and `AggregatorRegistry.aggregate` takes it). */
interface MetricJson {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: { value: number; labels: Record<string, string | number>; metricName?: string }[];
}

interface MetricsMessage {
  type: string;
  requestId?: number;
  metrics?: MetricJson[];
}

const isMetricsMessage = (message: unknown, type: string): message is MetricsMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

// Series that only go up: summed over workers, so an exited worker's part is kept. Gauges (and
// summaries, whose quantiles cannot be added) describe live processes and leave with them.
const isCumulative = (metric: MetricJson): boolean =>
  metric.type === 'counter' || metric.type === 'histogram';

const seriesKey = (value: MetricJson['values'][number]): string =>
  `${value.metricName ?? ''}${JSON.stringify(Object.entries(value.labels).sort(([a], [b]) => a.localeCompare(b)))}`;

/**
 * Primary side of the cluster metrics port: asks every live worker for its registry over IPC and sums
 * them, plus the counters that exited workers reported last (`reportFinalMetrics`), so a worker that
 * stops (a rolling restart, a shutdown flush that lost clicks) does not take its counts with it.
 */
export function createClusterMetrics(requestTimeoutMs = 5_000): {
  collect: () => Promise<{ contentType: string; body: string }>;
} {
  const carried = new Map<string, MetricJson>();
  // Asked: workers listening for requests (a message sent before a worker's listener exists is lost), and
  // not finished: a worker that sent its final counts would be counted twice until it exits.
  const answering = new Set<number>();
  const finished = new Set<number>();
  const pending = new Map<number, (metrics: MetricJson[]) => void>();
  let nextRequestId = 0;

  const carry = (metrics: MetricJson[]): void => {
    for (const metric of metrics.filter(isCumulative)) {
      const total = carried.get(metric.name);
      if (!total) {
        carried.set(metric.name, { ...metric, values: metric.values.map((value) => ({ ...value })) });
        continue;
      }
      for (const value of metric.values) {
        const same = total.values.find((existing) => seriesKey(existing) === seriesKey(value));
        if (same) same.value += value.value;
        else total.values.push({ ...value });
      }
    }
  };

  cluster.on('message', (worker: Worker, message: unknown) => {
    if (isMetricsMessage(message, ANSWERING)) {
      answering.add(worker.id);
    } else if (isMetricsMessage(message, FINAL_METRICS)) {
      finished.add(worker.id);
      carry(message.metrics ?? []);
    } else if (isMetricsMessage(message, METRICS_RESPONSE) && message.requestId !== undefined) {
      pending.get(message.requestId)?.(message.metrics ?? []);
    }
  });
  cluster.on('exit', (worker) => {
    answering.delete(worker.id);
    finished.delete(worker.id);
  });

  const ask = (worker: Worker): Promise<MetricJson[]> => {
    const requestId = nextRequestId++;
    return new Promise<MetricJson[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        reject(
          new Error(
            `worker ${worker.process.pid} did not answer the metrics request in ${requestTimeoutMs} ms`,
          ),
        );
      }, requestTimeoutMs);
      pending.set(requestId, (metrics) => {
        clearTimeout(timer);
        pending.delete(requestId);
        resolve(metrics);
      });
      worker.send({ type: METRICS_REQUEST, requestId });
    });
  };

  const collect = async (): Promise<{ contentType: string; body: string }> => {
    const live = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker =>
        !!worker && worker.isConnected() && answering.has(worker.id) && !finished.has(worker.id),
    );
    const perWorker = await Promise.all(live.map(ask));
    const registry = AggregatorRegistry.aggregate([...perWorker, [...carried.values()]]);
    return { contentType: registry.contentType, body: await registry.metrics() };
  };

  return { collect };
}

/** Worker side: answers the primary's metrics requests with the registry (none yet: an empty answer). */
export function answerMetricsRequests(registry: () => Registry | undefined): void {
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message, METRICS_REQUEST) || !process.send) return;
    const answer = (metrics: unknown[]): void => {
      if (process.connected)
        process.send?.({ type: METRICS_RESPONSE, requestId: message.requestId, metrics });
    };
    const current = registry();
    if (!current) answer([]);
    else
      current.getMetricsAsJSON().then(answer, () => {
        // Left unanswered: the primary's scrape fails on its timeout and says so, rather than undercount.
      });
  });
  process.send?.({ type: ANSWERING });
}

/**
 * Sends this worker's final counter values to the primary, which keeps them in the cluster metrics
 * after the worker has exited. Call it last in the shutdown, after the final flush (whatever it counted
 * is then included). A no-op outside a cluster worker; never waits more than `timeoutMs`.
 */
export async function reportFinalMetrics(registry: Registry, timeoutMs = 1_000): Promise<void> {
  if (!cluster.isWorker || !process.send || !process.connected) return;
  const all = (await registry.getMetricsAsJSON()) as unknown as MetricJson[];
  const metrics = all.filter(isCumulative);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    process.send?.({ type: FINAL_METRICS, metrics }, undefined, undefined, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
