import { decodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { LinkResolver } from '../domain/resolve-link.ts';

const UNSUBSCRIBE_TIMEOUT_MS = 1000;

/**
 * Drops in-process copies of links the management API changed. While the subscription is down, messages are
 * lost, so on every (re)connect the whole LRU is cleared: the entries' TTL already bounds staleness, this
 * makes it zero after an outage.
 */
export async function subscribeToInvalidations(deps: {
  subscriber: Redis;
  channel: string;
  resolver: LinkResolver;
  logger: FastifyBaseLogger;
}): Promise<() => Promise<void>> {
  const { subscriber, channel, resolver, logger } = deps;

  const onMessage = (from: string, raw: string) => {
    if (from !== channel) return;
    const message = decodeLinkInvalidation(raw);
    if (message === null) {
      logger.warn({ channel }, 'ignored an invalidation message this version cannot read');
      return;
    }
    resolver.invalidate(message.domain.toLowerCase(), message.code);
  };
  const onReady = () => resolver.clear();

  subscriber.on('message', onMessage);
  subscriber.on('ready', onReady);
  const subscribed = subscriber.subscribe(channel).then(
    () => undefined,
    (error: unknown) => {
      logger.warn({ err: error, channel }, 'invalidation subscription failed; LRU entries expire by TTL');
    },
  );
  // With Redis down at boot the edge still starts: ioredis replays SUBSCRIBE once it connects.
  if (subscriber.status === 'ready') await subscribed;

  return async () => {
    subscriber.off('message', onMessage);
    subscriber.off('ready', onReady);
    // With Redis down, UNSUBSCRIBE would sit in the offline queue forever; closing the connection ends it anyway.
    // A hung Redis never answers it: bounded, since closing the connection ends the subscription anyway.
    if (subscriber.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        subscriber.unsubscribe(channel).catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, UNSUBSCRIBE_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
    }
  };
}
