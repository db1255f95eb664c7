import autocannon from 'autocannon';
import { type Traffic, visitorHeaders } from './visitor-traffic.ts';

export interface LoadResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Socket errors, timeouts and answers other than the expected status class. */
  errors: number;
  total: number;
  /** Server CPU time per answered request, in microseconds: robust to other processes sharing the machine. */
  cpuMicrosPerRequest?: number;
}

export interface LoadOptions {
  name: string;
  url: string;
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** `random-codes`: every request asks for a different, never-created code (a scan). */
  paths?: 'fixed' | 'random-codes';
  /** Status class every answer must have, e.g. 3 for redirects, 4 for not-found answers. */
  expectStatusClass: 3 | 4;
  /**
   * `varied`: each request comes from another visitor (lib/visitor-traffic.ts) to the Host of `headers`; default
   * `same`, `headers` as given.
   */
  traffic?: Traffic;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const pathFor = options.paths === 'random-codes' ? randomCodePath : undefined;
  const varied = options.traffic === 'varied';
  const host = options.headers?.host ?? '';
  let sent = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    requests:
      pathFor !== undefined || varied
        ? [
            {
              setupRequest: (request) => {
                sent += 1;
                return {
                  ...request,
                  ...(pathFor === undefined ? {} : { path: pathFor() }),
                  ...(varied
                    ? { headers: { ...options.headers, ...visitorHeaders('varied', host, sent) } }
                    : {}),
                };
              },
            },
          ]
        : undefined,
  });
  const classes = [result['1xx'], result['2xx'], result['3xx'], result['4xx'], result['5xx']];
  const expected = classes[options.expectStatusClass - 1] ?? 0;
  const answered = classes.reduce((sum, count) => sum + count, 0);
  return {
    name: options.name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + (answered - expected),
    total: answered,
  };
}

function randomCodePath(): string {
  return `/zz${Math.random().toString(36).slice(2, 12)}`;
}

export function printTable(results: readonly LoadResult[], baseline: LoadResult): void {
  console.table(tableRows(results, baseline));
}

/** The same table as `printTable`, as Markdown for a results page. */
export function markdownTable(results: readonly LoadResult[], baseline: LoadResult): string {
  const rows = tableRows(results, baseline);
  const columns = Object.keys(rows[0] ?? {});
  return [
    `| ${columns.join(' | ')} |`,
    `| ${columns.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${Object.values(row).join(' | ')} |`),
  ].join('\n');
}

function tableRows(results: readonly LoadResult[], baseline: LoadResult) {
  return results.map((r) => ({
    scenario: r.name,
    'req/s': Math.round(r.requestsPerSecond),
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    errors: r.errors,
    requests: r.total,
    'vs bare': (r.requestsPerSecond / baseline.requestsPerSecond).toFixed(2),
    'cpu µs/req': r.cpuMicrosPerRequest?.toFixed(1) ?? '-',
    'cpu vs bare':
      r.cpuMicrosPerRequest && baseline.cpuMicrosPerRequest
        ? (baseline.cpuMicrosPerRequest / r.cpuMicrosPerRequest).toFixed(2)
        : '-',
  }));
}
