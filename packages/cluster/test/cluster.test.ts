import { freePort } from '@boltlink/local-servers/free-port';
import autocannon from 'autocannon';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClusterProcess, getJson, startFixture } from './support/cluster-process.ts';

const started: ClusterProcess[] = [];

afterEach(async () => {
  for (const proc of started.splice(0)) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    // Workers of a SIGKILLed primary exit on their own when the IPC channel closes; kill any left over.
    for (const line of proc.lines) {
      if (line.msg === 'worker listening') {
        try {
          process.kill(Number(line.workerPid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  }
});

async function startCluster(
  env: Record<string, string> = {},
): Promise<{ proc: ClusterProcess; port: number }> {
  const port = await freePort();
  const proc = startFixture({ PORT: String(port), WEB_CONCURRENCY: '2', ...env });
  started.push(proc);
  return { proc, port };
}

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    try {
      await getJson(port, '/health');
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`port ${port} never answered`);
}

const listeningPids = (proc: ClusterProcess): number[] =>
  proc.lines.filter((line) => line.msg === 'worker listening').map((line) => Number(line.workerPid));

describe('runClustered', () => {
  it('deals connections to every worker and replaces a killed worker at once', async () => {
    const { proc, port } = await startCluster();
    await proc.waitForLog(() => listeningPids(proc).length === 2);

    const seen = new Set<number>();
    for (let i = 0; i < 10; i += 1) seen.add(Number((await getJson(port, '/pid')).body.pid));
    expect(seen).toEqual(new Set(listeningPids(proc)));

    const [victim] = listeningPids(proc);
    const failures: number[] = [];
    let answered = 0;
    const answeredBy = new Set<number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const sentAt = Date.now();
        try {
          const { status, body } = await getJson(port, '/pid');
          if (status === 200) {
            answered += 1;
            answeredBy.add(Number(body.pid));
          } else failures.push(sentAt);
        } catch {
          failures.push(sentAt);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(victim!, 'SIGKILL');
    const died = await proc.waitForLog((line) => line.msg === 'worker died' && line.workerPid === victim);
    expect(died.signal).toBe('SIGKILL');
    const replacement = await proc.waitForLog(
      (line) => line.msg === 'worker listening' && line.time >= died.time && line.workerPid !== victim,
    );
    const replacementPid = Number(replacement.workerPid);
    // Replaced at once: a healthy worker's death is not backed off (the primary forks without a delay, which it
    // would announce before the replacement starts).
    const afterDeath = proc.lines.slice(proc.lines.indexOf(died), proc.lines.indexOf(replacement));
    expect(afterDeath.filter((line) => line.msg === 'delaying worker restart')).toEqual([]);
    answeredBy.clear();
    const answeredBefore = answered;
    for (
      let waited = 0;
      waited < 10_000 && (!answeredBy.has(replacementPid) || answered - answeredBefore < 20);
      waited += 50
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    polling = false;
    await poller;

    // SIGKILL can cut the one request the victim was serving; a request sent after the primary has
    // seen the death always reaches a live worker.
    expect(failures.length).toBeLessThanOrEqual(1);
    expect(failures.filter((time) => time > died.time)).toEqual([]);
    expect(answered).toBeGreaterThan(20);
    expect(answeredBy.has(replacementPid)).toBe(true);
    expect(answeredBy.has(victim!)).toBe(false);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it.each([1, 2])('serves metrics summed over %i worker(s) on the metrics port', async (workers) => {
    const metricsPort = await freePort();
    const { proc, port } = await startCluster({
      WEB_CONCURRENCY: String(workers),
      METRICS_PORT: String(metricsPort),
    });
    if (workers > 1) await proc.waitForLog(() => listeningPids(proc).length === workers);
    else await waitForPort(port);

    const pids = new Set<number>();
    for (let i = 0; i < 12; i += 1) pids.add(Number((await getJson(port, '/pid')).body.pid));
    expect(pids.size).toBe(workers);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(text).toMatch(/^fixture_pid_requests_total 12$/m);

    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
  });

  it('backs off when workers die right after start, then gives up with exit code 1', async () => {
    const { proc } = await startCluster({ FIXTURE_CRASH_ON_START: '1' });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const delays = proc.lines.filter((line) => line.msg === 'delaying worker restart').map((l) => l.delayMs);
    // Fixture policy: base 100 ms doubling, capped at 400 ms; the first quick death is replaced at once.
    expect(delays.length).toBeGreaterThanOrEqual(2);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400].slice(0, Math.min(3, delays.length)));
    expect(proc.lines.some((line) => line.msg.startsWith('workers keep dying'))).toBe(true);
    expect(proc.lines.filter((line) => line.msg === 'worker died')).toHaveLength(5);
  });

  it('stops on SIGTERM under load worker by worker with zero failed requests', async () => {
    const { proc, port } = await startCluster();
    await proc.waitForLog(() => listeningPids(proc).length === 2);

    const errors: { time: number; message: string }[] = [];
    const statuses = new Map<number, number>();
    let resolveDone: (result: autocannon.Result) => void = () => {};
    const loadDone = new Promise<autocannon.Result>((resolve) => {
      resolveDone = resolve;
    });
    const load = autocannon(
      { url: `http://127.0.0.1:${port}/r`, connections: 16, duration: 30 },
      (_err, result) => resolveDone(result),
    );
    load.on('reqError', (error: Error) => errors.push({ time: Date.now(), message: error.message }));
    load.on('response', (_client: unknown, status: number) =>
      statuses.set(status, (statuses.get(status) ?? 0) + 1),
    );

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Requests in flight when the stop begins must complete on every worker, including the last one.
    const slow = Array.from({ length: 4 }, () => getJson(port, '/slow?ms=1500'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const sigtermAt = Date.now();
    const responsesBeforeSigterm = [...statuses.values()].reduce((a, b) => a + b, 0);
    proc.child.kill('SIGTERM');

    const lastStop = await proc.waitForLog((line) => line.msg === 'stopping worker' && line.remaining === 1);
    const exit = await proc.exited;
    load.stop();
    await loadDone;

    const slowResults = await Promise.all(slow);
    expect(slowResults.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(slowResults.map((r) => r.body.pid)).size).toBe(2);

    // Until the primary begins to stop the last worker, some worker accepts every connection and a
    // stopping worker hands its keep-alive clients over with `Connection: close`: nothing may fail.
    // After that the port closes by design (in a deployment the load balancer has drained it by then).
    const failedWhileServing = errors.filter((error) => error.time < lastStop.time);
    expect(failedWhileServing).toEqual([]);
    expect([...statuses.keys()]).toEqual([302]);
    const responsesDuringStop = [...statuses.values()].reduce((a, b) => a + b, 0) - responsesBeforeSigterm;
    expect(responsesDuringStop).toBeGreaterThan(100);
    expect(lastStop.time).toBeGreaterThan(sigtermAt);

    expect(exit).toEqual({ code: 0, signal: null });
    const stopped = proc.lines.filter((line) => line.msg === 'worker stopped');
    expect(stopped.map((line) => line.code)).toEqual([0, 0]);
  }, 30_000);
});
