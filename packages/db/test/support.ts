import { randomUUID } from 'node:crypto';
import type { Db } from '../src/client.ts';
import { campaigns, links, users } from '../src/schema/index.ts';

export interface PgErrorFields {
  code: string | undefined;
  constraint: string | undefined;
}

/** Awaits a query expected to fail and returns the Postgres error fields (drizzle wraps them in `cause`). */
export async function pgErrorOf(query: PromiseLike<unknown>): Promise<PgErrorFields> {
  try {
    await query;
  } catch (error) {
    const pgError = (error instanceof Error && error.cause ? error.cause : error) as Partial<PgErrorFields>;
    return { code: pgError.code, constraint: pgError.constraint };
  }
  throw new Error('expected the query to fail, but it succeeded');
}

export async function insertUser(db: Db, email = `user-${randomUUID()}@example.com`) {
  const [user] = await db.insert(users).values({ email, passwordHash: 'argon2id-hash' }).returning();
  return user!;
}

export async function insertLink(db: Db, userId: string, values: Partial<typeof links.$inferInsert> = {}) {
  const [link] = await db
    .insert(links)
    .values({
      userId,
      domain: 'sho.rt',
      code: randomUUID().slice(0, 8),
      url: 'https://example.com/landing',
      ...values,
    })
    .returning();
  return link!;
}

export async function insertCampaign(
  db: Db,
  userId: string,
  values: Partial<typeof campaigns.$inferInsert> = {},
) {
  const [campaign] = await db
    .insert(campaigns)
    .values({
      userId,
      name: 'Spring launch',
      utmSource: 'newsletter',
      utmMedium: 'email',
      utmCampaign: 'spring',
      ...values,
    })
    .returning();
  return campaign!;
}
