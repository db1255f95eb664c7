import type { RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import { AppError } from '../errors.ts';
import { principalOf } from './auth.ts';

export interface Limit {
  max: number;
  windowMs: number;
}

/**
 * Per-client-IP limit on every route, counted in Redis so all API instances share it. The client IP is
 * the socket address unless TRUST_PROXY lists the proxy (Fastify's trustProxy), so X-Forwarded-For
 * cannot be spoofed to dodge the limit.
 */
export async function registerRateLimits(
  app: FastifyInstance,
  deps: { redis: RedisClient; keys: RedisKeys; perIp: Limit },
): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: deps.perIp.max,
    timeWindow: deps.perIp.windowMs,
    redis: deps.redis,
    nameSpace: deps.keys.rateLimit('api'),
    errorResponseBuilder: (_request, context) =>
      new AppError(
        'rate_limited',
        `rate limit of ${context.max} requests exceeded; retry in ${context.after}`,
      ),
  });
}

/** Route config for a tighter per-IP limit (sign-up, login); counted separately from the default. */
export const perIpRouteLimit = (limit: Limit) => ({
  rateLimit: { max: limit.max, timeWindow: limit.windowMs },
});

/**
 * A limit per authenticated principal (account), on top of the per-IP one. Runs as a preHandler, after
 * authentication, so the key is the account and not an address an attacker can rotate.
 */
export function perPrincipalLimit(
  app: FastifyInstance,
  name: string,
  limit: Limit,
): preHandlerAsyncHookHandler {
  const check = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (request) => `${name}:${principalOf(request).userId}`,
  });
  return async (request, reply) => {
    const result = await check(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('x-ratelimit-limit', result.max);
    reply.header('x-ratelimit-remaining', 0);
    reply.header('x-ratelimit-reset', result.ttlInSeconds);
    throw new AppError('rate_limited', `${name} limit of ${result.max} per window exceeded`, {
      'retry-after': String(Math.max(1, result.ttlInSeconds)),
    });
  };
}
