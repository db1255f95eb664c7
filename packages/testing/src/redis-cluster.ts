import { execFileSync } from 'node:child_process';

export {
  type LocalRedisCluster,
  type StartRedisClusterOptions,
  startRedisCluster,
} from '@boltlink/local-servers/redis-cluster';

/**
 * Why this host cannot run the Redis Cluster tests, or undefined when it can. They start their own cluster
 * from `redis-server` 7+ (`cluster-port`, so the bus port is chosen free) and `redis-cli --cluster create`.
 */
export function redisClusterUnavailable(): string | undefined {
  let version: string;
  try {
    version = execFileSync('redis-server', ['--version'], { encoding: 'utf8' });
    execFileSync('redis-cli', ['--version'], { encoding: 'utf8' });
  } catch {
    return 'redis-server and redis-cli are not on PATH (Debian/Ubuntu: apt-get install redis-server)';
  }
  const major = Number(/v=(\d+)\./.exec(version)?.[1]);
  if (!(major >= 7))
    return `redis-server 7 or later is needed for a local Redis Cluster (found: ${version.trim()})`;
  return undefined;
}
