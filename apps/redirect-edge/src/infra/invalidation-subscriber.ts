import { decodeBlocklistChange } from '@boltlink/redis-keys/blocked-destinations';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { decodeDomainInvalidation } from '@boltlink/redis-keys/domain-invalidation';
import { decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { DomainDirectory } from '../domain/domain-directory.ts';
import type { LinkResolver } from '../domain/resolve-link.ts';

const UNSUBSCRIBE_TIMEOUT_MS = 1000;

/**
 * Drops in-process copies of links and custom domains the management API changed, and reloads the blocked
 * destinations when an admin changes them. While the subscription is
 * down, messages are lost, so on every (re)connect both LRUs are cleared: the entries' TTL already bounds
 * staleness, this makes it zero after an outage.
 */
export async function subscribeToInvalidations(deps: {
  subscriber: RedisClient;
  /** Link changes. */
  channel: string;
  /** Custom-domain changes. */
  domainChannel: string;
  /** Changes of the blocked destinations. */
  blocklistChannel: string;
  /** Reloads the blocked destinations: on a change, and on every (re)connect (a change may have been missed). */
  reloadBlocklist: () => void;
  resolver: LinkResolver;
  directory: DomainDirectory;
  logger: FastifyBaseLogger;
}): Promise<() => Promise<void>> {
  const { subscriber, channel, domainChannel, blocklistChannel, resolver, directory, logger } = deps;
  const channels = [channel, domainChannel, blocklistChannel];

  const onMessage = (from: string, raw: string) => {
    if (from === channel) {
      const message = decodeLinkInvalidation(raw);
      if (message === null) {
        logger.warn({ channel }, 'ignored an invalidation message this version cannot read');
        return;
      }
      resolver.invalidate(message.domain.toLowerCase(), message.code);
    } else if (from === domainChannel) {
      const message = decodeDomainInvalidation(raw);
      if (message === null) {
        logger.warn({ channel: domainChannel }, 'ignored an invalidation message this version cannot read');
        return;
      }
      directory.invalidate(message.hostname);
    } else if (from === blocklistChannel) {
      if (decodeBlocklistChange(raw) === null) {
        logger.warn(
          { channel: blocklistChannel },
          'ignored an invalidation message this version cannot read',
        );
        return;
      }
      deps.reloadBlocklist();
    }
  };
  const onReady = () => {
    resolver.clear();
    directory.clear();
    deps.reloadBlocklist();
  };

  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);
  // On a Redis Cluster the subscription lives on one node; when that node dies ioredis subscribes again on
  // another without a new 'ready', and messages published meanwhile are lost. It announces no such move, so
  // the LRU TTL bounds the staleness; a node leaving the slot map ('-node', as after a failover) is the one
  // topology change it does announce, and it is treated as a reconnect.
  subscriber.on('-node', onReady);
  const subscribed = subscriber.subscribe(...channels).then(
    () => undefined,
    (error: unknown) => {
      logger.warn({ err: error, channels }, 'invalidation subscription failed; LRU entries expire by TTL');
    },
  );
  // With Redis down at boot the edge still starts: ioredis replays SUBSCRIBE once it connects.
  if (subscriber.status === 'ready') await subscribed;

  return async () => {
    subscriber.off('message', onMessage);
    subscriber.off('ready', onReady);
    subscriber.off('-node', onReady);
    // With Redis down, UNSUBSCRIBE would sit in the offline queue forever; closing the connection ends it anyway.
    // A hung Redis never answers it: bounded, since closing the connection ends the subscription anyway.
    if (subscriber.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        subscriber.unsubscribe(...channels).catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, UNSUBSCRIBE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
  };
}
