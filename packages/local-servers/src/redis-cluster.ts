import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sleep } from './process.ts';
import { type LocalRedis, type MaxmemoryPolicy, startRedis } from './redis.ts';

const run = promisify(execFile);

export interface StartRedisClusterOptions {
  /** Primaries, each with one replica (default 3: six servers). */
  primaries?: number;
  /**
   * How long a node may be silent before the others count it as failed and its replica takes over. Redis's
   * default is 15 s; the default here (1 s) keeps a failover test short.
   */
  nodeTimeoutMs?: number;
  /** AOF with fsync every second, as the local standalone Redis (default true). */
  appendOnly?: boolean;
  maxmemoryPolicy?: MaxmemoryPolicy;
  /** `redis-server` and `redis-cli` binaries (default: from PATH). */
  binary?: string;
  cli?: string;
  onLog?: (line: string) => void;
  /** Time for the whole cluster to be created and to cover every slot (default 30 s). */
  readyTimeoutMs?: number;
}

/** One node as the cluster itself sees it (CLUSTER NODES). */
export interface ClusterNode {
  id: string;
  port: number;
  role: 'primary' | 'replica';
  /** The primary a replica copies. */
  primaryId: string | undefined;
  /** Slot ranges served, inclusive. */
  slots: [number, number][];
  /** Counted as failed by the cluster (`fail` flag). */
  failed: boolean;
}

export interface Failover {
  /** Port of the replica that became the primary. */
  promotedPort: number;
  /** From the SIGKILL until every live node says cluster_state:ok with the replica serving the slots. */
  failoverMs: number;
}

export interface LocalRedisCluster {
  /** `redis-cluster://127.0.0.1:<port>,…` naming every node as a seed: the form REDIS_URL accepts. */
  url: string;
  servers: LocalRedis[];
  /** The nodes as a live node sees them. */
  nodes(): Promise<ClusterNode[]>;
  /** The primary serving `key` now (by its hash slot). */
  primaryOf(key: string): Promise<ClusterNode>;
  /**
   * A crash: SIGKILL the primary on `port`, then wait until the cluster has promoted one of its replicas
   * (after the node timeout) and serves every slot again.
   */
  crashPrimary(port: number, timeoutMs?: number): Promise<Failover>;
  /** A crash of a replica: SIGKILL it, then wait until the cluster counts it failed and is healthy again. */
  crashReplica(port: number, timeoutMs?: number): Promise<void>;
  /** Resolves once every live node says cluster_state:ok and all 16384 slots are served. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const CLUSTER_SLOTS = 16384;

/**
 * A Redis Cluster on 127.0.0.1: `primaries` primaries and as many replicas, each a `redis-server` with its own
 * data directory and ports, joined by `redis-cli --cluster create --cluster-replicas 1`.
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const primaries = options.primaries ?? 3;
  if (!Number.isInteger(primaries) || primaries < 3) {
    throw new Error(`a Redis Cluster needs at least 3 primaries (got ${primaries})`);
  }
  const cli = options.cli ?? 'redis-cli';
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 1000;
  const servers: LocalRedis[] = [];
  const stopAll = () => Promise.all(servers.map((server) => server.stop().catch(() => undefined)));

  try {
    // One at a time: each picks its free ports before the next asks for them.
    for (let i = 0; i < primaries * 2; i += 1) {
      servers.push(
        await startRedis({
          cluster: { nodeTimeoutMs },
          appendOnly: options.appendOnly ?? true,
          maxmemoryPolicy: options.maxmemoryPolicy ?? 'noeviction',
          ...(options.binary === undefined ? {} : { binary: options.binary }),
          ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '1', '--cluster-yes'], {
      timeout: options.readyTimeoutMs ?? 30_000,
    }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `redis-cli --cluster create failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    });
  } catch (error) {
    await stopAll();
    throw error;
  }

  const live = () => servers.filter((server) => !killed.has(server.port));
  const killed = new Set<number>();

  async function nodes(): Promise<ClusterNode[]> {
    let last: unknown;
    for (const server of live()) {
      try {
        return parseClusterNodes(await command(cli, server.port, ['CLUSTER', 'NODES']));
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`no cluster node answered CLUSTER NODES: ${String(last)}`);
  }

  async function isHealthy(): Promise<boolean> {
    const ports = live().map((server) => server.port);
    for (const port of ports) {
      const info = parseInfo(await command(cli, port, ['CLUSTER', 'INFO']).catch(() => ''));
      if (info.cluster_state !== 'ok' || info.cluster_slots_ok !== String(CLUSTER_SLOTS)) return false;
    }
    // Every replica has finished its first sync: a replica still loading cannot take over.
    const view = await nodes();
    for (const node of view) {
      if (node.role !== 'replica' || node.failed || !ports.includes(node.port)) continue;
      const replication = parseInfo(await command(cli, node.port, ['INFO', 'replication']).catch(() => ''));
      if (replication.master_link_status !== 'up') return false;
    }
    return true;
  }

  async function waitHealthy(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await isHealthy().catch(() => false)) return;
      await sleep(100);
    }
    const info = await command(cli, live()[0]?.port ?? 0, ['CLUSTER', 'INFO']).catch(String);
    throw new Error(`Redis Cluster not healthy after ${timeoutMs} ms:\n${info}`);
  }

  try {
    await waitHealthy(options.readyTimeoutMs ?? 30_000);
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    url: `redis-cluster://${servers.map((server) => `127.0.0.1:${server.port}`).join(',')}`,
    servers,
    nodes,
    waitHealthy,
    async primaryOf(key) {
      const port = live()[0]?.port ?? 0;
      const slot = Number(await command(cli, port, ['CLUSTER', 'KEYSLOT', key]));
      const owner = (await nodes()).find(
        (node) =>
          node.role === 'primary' && !node.failed && node.slots.some(([a, b]) => slot >= a && slot <= b),
      );
      if (!owner) throw new Error(`no primary serves slot ${slot}`);
      return owner;
    },
    async crashPrimary(port, timeoutMs = 30_000) {
      const before = await nodes();
      const primary = before.find((node) => node.port === port && node.role === 'primary');
      if (!primary) throw new Error(`127.0.0.1:${port} is not a primary of this cluster`);
      const replicaPorts = before.filter((node) => node.primaryId === primary.id).map((node) => node.port);
      const server = servers.find((candidate) => candidate.port === port);
      if (!server) throw new Error(`127.0.0.1:${port} is not a server of this cluster`);
      const started = Date.now();
      await server.kill();
      killed.add(port);
      const deadline = started + timeoutMs;
      while (Date.now() < deadline) {
        const view = await nodes().catch(() => []);
        const promoted = view.find(
          (node) => replicaPorts.includes(node.port) && node.role === 'primary' && node.slots.length > 0,
        );
        if (promoted && (await isHealthy().catch(() => false))) {
          return { promotedPort: promoted.port, failoverMs: Date.now() - started };
        }
        await sleep(50);
      }
      throw new Error(`no replica of 127.0.0.1:${port} took over within ${timeoutMs} ms`);
    },
    async crashReplica(port, timeoutMs = 30_000) {
      const replica = (await nodes()).find((node) => node.port === port && node.role === 'replica');
      const server = servers.find((candidate) => candidate.port === port);
      if (!replica || !server) throw new Error(`127.0.0.1:${port} is not a replica of this cluster`);
      await server.kill();
      killed.add(port);
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const failed = (await nodes().catch(() => [])).some((node) => node.port === port && node.failed);
        if (failed && (await isHealthy().catch(() => false))) return;
        await sleep(50);
      }
      throw new Error(`the cluster did not count 127.0.0.1:${port} as failed within ${timeoutMs} ms`);
    },
    async stop() {
      await stopAll();
    },
  };
}

/** One command through redis-cli; its reply as text (redis-cli exits 0 on a Redis error reply too). */
async function command(cli: string, port: number, args: string[]): Promise<string> {
  const { stdout } = await run(cli, ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 2000 });
  if (stdout.startsWith('ERR ') || stdout.startsWith('(error)')) throw new Error(stdout.trim());
  return stdout.trim();
}

function parseInfo(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) out[line.slice(0, colon)] = line.slice(colon + 1).trim();
  }
  return out;
}

/** `<id> <ip:port@bus> <flags> <primary|-> <ping> <pong> <epoch> <link> <slot>…` per line. */
export function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((fields) => fields.length >= 8)
    .map((fields) => {
      const [id = '', address = '', flagText = '', primary = '-'] = fields;
      const flags = flagText.split(',');
      const port = Number(/:(\d+)@/.exec(address)?.[1]);
      const slots = fields
        .slice(8)
        .filter((slot) => !slot.startsWith('['))
        .map((slot): [number, number] => {
          const [from, to] = slot.split('-').map(Number);
          return [from ?? 0, to ?? from ?? 0];
        });
      return {
        id,
        port,
        role: flags.includes('master') ? ('primary' as const) : ('replica' as const),
        primaryId: primary === '-' ? undefined : primary,
        slots,
        failed: flags.includes('fail'),
      };
    });
}
