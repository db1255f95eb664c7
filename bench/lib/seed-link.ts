import { createDb, createPool } from '@boltlink/db/client';
import { links, users } from '@boltlink/db/schema';

/**
 * Five redirect rules, each asking other conditions, none of which holds for a desktop Chrome visitor with an
 * English Accept-Language and no query string: every rule is tried and the link URL served.
 */
export const FIVE_RULES_NONE_HOLDS: NonNullable<typeof links.$inferInsert.redirectRules> = [
  { conditions: { query: { name: 'ref', value: 'mail' } }, url: 'https://example.com/mail' },
  { conditions: { country: ['DE', 'AT', 'CH'] }, url: 'https://shop.example/de' },
  { conditions: { language: ['fr'] }, url: 'https://example.com/fr' },
  { conditions: { os: ['iOS'], device: ['mobile', 'tablet'] }, url: 'https://apps.apple.com/app/id1' },
  { conditions: { browser: ['Firefox'] }, url: 'https://example.com/firefox' },
];

/**
 * Creates one user and one link `domain/code` -> https://example.com/landing (idempotent on the link), with
 * the given redirect rules (none by default).
 */
/** A 50/50 A/B split: the edge A/B's `hotab` link. */
export const TWO_VARIANTS: NonNullable<typeof links.$inferInsert.variants> = [
  { name: 'control', url: 'https://example.com/landing', weight: 50 },
  { name: 'b', url: 'https://example.com/landing-b', weight: 50 },
];

export async function seedLink(
  databaseUrl: string,
  domain: string,
  code: string,
  redirectRules: NonNullable<typeof links.$inferInsert.redirectRules> = [],
  variants: NonNullable<typeof links.$inferInsert.variants> = [],
): Promise<void> {
  const pool = createPool({ connectionString: databaseUrl, max: 1 });
  const db = createDb(pool);
  try {
    const [user] = await db
      .insert(users)
      .values({ email: `bench-${Date.now()}-${process.pid}@example.com`, passwordHash: 'bench' })
      .returning();
    if (!user) throw new Error('no user');
    await db
      .insert(links)
      .values({ userId: user.id, domain, code, url: 'https://example.com/landing', redirectRules, variants })
      .onConflictDoNothing();
  } finally {
    await pool.end();
  }
}

/** Environment for the real edge in benchmarks: production mode, limits one client cannot reach. */
export function benchEdgeEnv(
  stack: { databaseUrl: string; redisUrl: string },
  domain: string,
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    APP_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: 'bench',
    QUEUE_PREFIX: '{bench}',
    SHORT_DOMAINS: domain,
    REDIRECT_RATE_LIMIT_MAX: '1000000000',
    NOT_FOUND_RATE_LIMIT_MAX: '1000000000',
  };
}
