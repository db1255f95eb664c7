/**
 * The Redis connection URLs BoltLink accepts (REDIS_URL, CACHE_REDIS_URL), parsed into the topology the client
 * factories build. Pure (no ioredis import) so config validation judges a URL with the same code that later
 * connects with it.
 *
 * - `redis://[user:password@]host[:6379][/db]` and `rediss://…` (TLS): one server.
 * - `redis-sentinel://[user:password@]host1[:26379],host2[:26379]/MASTER[?db=N&sentinelUsername=…&sentinelPassword=…&tls=true]`:
 *   the master of the group MASTER (the name in `sentinel monitor MASTER …`), found by asking the Sentinels in
 *   turn; a port defaults to 26379. `user:password` authenticate to the master (and its replicas);
 *   `sentinelUsername`/`sentinelPassword` to the Sentinels (which often run without a password); `tls=true`
 *   uses TLS both to the Sentinels and to the master. Percent-encode reserved characters in every part
 *   (`@ : / ? # & = + %`, e.g. a `+` in sentinelPassword as `%2B`).
 * - `redis-cluster://[user:password@]host1:7000[,host2:7001…][?tls=true]`: a Redis Cluster, found from any of the
 *   seed nodes listed (each with its port: a cluster has no conventional one); the client learns the other
 *   nodes and the slot map from them and follows failovers. `user:password` authenticate to every node, and
 *   `tls=true` connects to every node over TLS. A cluster has one database, so there is no `/db` or `db=`.
 */

export interface RedisHostPort {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'standalone'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisHostPort[];
      masterName: string;
      username?: string;
      password?: string;
      db: number;
      sentinelUsername?: string;
      sentinelPassword?: string;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: RedisHostPort[]; username?: string; password?: string; tls: boolean };

/** What a valid URL looks like, phrased to follow "must be …" (config errors and the README). */
export const REDIS_URL_RULE =
  'a redis:// or rediss:// URL, redis-sentinel://[user:password@]host:26379[,host:26379…]/MASTER[?db=N&sentinelPassword=…&tls=true], or redis-cluster://[user:password@]host:port[,host:port…][?tls=true]';

export const DEFAULT_SENTINEL_PORT = 26379;

/** A URL that is not one of the accepted forms; `problem` follows "must be …". */
export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
  constructor(readonly problem: string) {
    // The URL itself is never part of the message: it usually carries a password.
    super(`Invalid Redis URL: must be ${problem}`);
  }
}

const SENTINEL_PARAMS = new Set(['db', 'sentinelUsername', 'sentinelPassword', 'tls']);
const CLUSTER_PARAMS = new Set(['tls']);

export function parseRedisUrl(url: string): RedisTopology {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'redis-sentinel') return parseSentinel(url.slice(scheme.length + 3));
  if (scheme === 'redis-cluster') return parseCluster(url.slice(scheme.length + 3));
  if (!URL.canParse(url)) throw new RedisUrlError(`a valid URL (${REDIS_URL_RULE})`);
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RedisUrlError(`${REDIS_URL_RULE} (got ${parsed.protocol}//)`);
  }
  if (parsed.hostname === '') throw new RedisUrlError(`a ${parsed.protocol}// URL with a host`);
  return { kind: 'standalone', url };
}

interface Authority {
  userinfo: string | undefined;
  hosts: string;
  rest: string;
}

/** Splits `[userinfo@]hosts[/path][?query]`; a reserved character inside a password must be percent-encoded. */
function authorityOf(afterScheme: string): Authority {
  const end = afterScheme.search(/[/?#]/);
  const authority = end < 0 ? afterScheme : afterScheme.slice(0, end);
  const rest = end < 0 ? '' : afterScheme.slice(end);
  const at = authority.lastIndexOf('@');
  return at < 0
    ? { userinfo: undefined, hosts: authority, rest }
    : { userinfo: authority.slice(0, at), hosts: authority.slice(at + 1), rest };
}

function parseHostList(hosts: string, scheme: string, defaultPort?: number): RedisHostPort[] {
  const items = hosts.split(',').map((item) => item.trim());
  if (items.length === 0 || items.some((item) => item === '')) {
    throw new RedisUrlError(`a ${scheme} URL with a comma-separated list of host:port`);
  }
  return items.map((item) => {
    const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(item);
    const host = match?.[1];
    const portText = match?.[2];
    const port = portText === undefined ? defaultPort : Number(portText);
    if (host === undefined || port === undefined || port < 1 || port > 65535) {
      const expected = defaultPort === undefined ? 'host:port' : 'host[:port]';
      throw new RedisUrlError(
        `a ${scheme} URL whose hosts are ${expected} (invalid: ${JSON.stringify(item)})`,
      );
    }
    return { host: host.startsWith('[') ? host.slice(1, -1) : host, port };
  });
}

function decode(part: string, what: string, scheme: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RedisUrlError(`a ${scheme} URL with a correctly percent-encoded ${what}`);
  }
}

function credentialsOf(
  userinfo: string | undefined,
  scheme: string,
): { username?: string; password?: string } {
  if (userinfo === undefined) return {};
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  const username = user === '' ? undefined : decode(user, 'user name', scheme);
  const password = colon < 0 ? undefined : decode(userinfo.slice(colon + 1), 'password', scheme);
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** The path (without its leading `/`) and the parameters of `rest`; unknown parameters are refused. */
function pathAndParams(
  rest: string,
  scheme: string,
  known: ReadonlySet<string>,
): { path: string; params: URLSearchParams } {
  const hash = rest.indexOf('#');
  const withoutFragment = hash < 0 ? rest : rest.slice(0, hash);
  const question = withoutFragment.indexOf('?');
  const path = question < 0 ? withoutFragment : withoutFragment.slice(0, question);
  const params = new URLSearchParams(question < 0 ? '' : withoutFragment.slice(question + 1));
  const unknown = [...new Set(params.keys())].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new RedisUrlError(
      `a ${scheme} URL with only the parameters ${[...known].join(', ')} (unknown: ${unknown.join(', ')})`,
    );
  }
  return { path: path.replace(/^\//, ''), params };
}

function tlsOf(params: URLSearchParams, scheme: string): boolean {
  const tlsText = (params.get('tls') ?? 'false').toLowerCase();
  if (tlsText !== 'true' && tlsText !== 'false') {
    throw new RedisUrlError(`a ${scheme} URL whose tls parameter is true or false`);
  }
  return tlsText === 'true';
}

function parseCluster(afterScheme: string): RedisTopology {
  const scheme = 'redis-cluster://';
  const { userinfo, hosts, rest } = authorityOf(afterScheme);
  const nodes = parseHostList(hosts, scheme);
  const { path, params } = pathAndParams(rest, scheme, CLUSTER_PARAMS);
  if (path !== '') {
    throw new RedisUrlError(
      'a redis-cluster:// URL without a path: a Redis Cluster has a single database (redis-cluster://host:port,host:port)',
    );
  }
  return { kind: 'cluster', nodes, tls: tlsOf(params, scheme), ...credentialsOf(userinfo, scheme) };
}

function parseSentinel(afterScheme: string): RedisTopology {
  const scheme = 'redis-sentinel://';
  const { userinfo, hosts, rest } = authorityOf(afterScheme);
  const sentinels = parseHostList(hosts, scheme, DEFAULT_SENTINEL_PORT);
  const { username, password } = credentialsOf(userinfo, scheme);

  const { path, params } = pathAndParams(rest, scheme, SENTINEL_PARAMS);
  const masterName = decode(path, 'master name', scheme);
  if (masterName === '' || masterName.includes('/')) {
    throw new RedisUrlError(
      'a redis-sentinel:// URL naming its master group: redis-sentinel://host:26379/MASTER',
    );
  }

  const dbText = params.get('db') ?? '0';
  if (!/^\d{1,5}$/.test(dbText)) {
    throw new RedisUrlError('a redis-sentinel:// URL whose db parameter is a database number (0, 1, …)');
  }
  const tls = tlsOf(params, scheme);
  const sentinelUsername = params.get('sentinelUsername') ?? undefined;
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;

  return {
    kind: 'sentinel',
    sentinels,
    masterName,
    db: Number(dbText),
    tls,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(sentinelUsername === undefined ? {} : { sentinelUsername }),
    ...(sentinelPassword === undefined ? {} : { sentinelPassword }),
  };
}

/** The problem with `url` ("must be …" wording), or undefined when the services can connect with it. */
export function redisUrlProblem(url: string): string | undefined {
  try {
    parseRedisUrl(url);
    return undefined;
  } catch (error) {
    if (error instanceof RedisUrlError) return error.problem;
    throw error;
  }
}
