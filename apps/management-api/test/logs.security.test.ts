import { describe, expect } from 'vitest';
import { PASSWORD, test } from './support/api.ts';

test.beforeAll(async ({ api }) => {
  // A real database error on the sign-up insert, whose bound values are the email and the argon2 hash.
  await api.database.pool.query(
    "ALTER TABLE users ADD CONSTRAINT no_rejected_emails CHECK (email NOT LIKE 'rejected-%')",
  );
});

describe('logs of failed database queries', () => {
  test('name the failure but never the query parameters, the argon2 hash or the email', async ({ api }) => {
    const email = 'rejected-person@example.com';
    const res = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email, password: PASSWORD },
    });
    expect(res.statusCode).toBe(500);
    const logged = api.logs.filter((line) => line.includes('no_rejected_emails'));
    expect(logged).toHaveLength(1);
    const line = logged[0] ?? '';
    const entry = JSON.parse(line) as { level: string; err: Record<string, unknown> };
    expect(entry.level).toBe('error');
    // What an operator needs stays: the statement (with placeholders) and Postgres's message.
    expect(String(entry.err.message)).toContain('insert into "users"');
    expect(String(entry.err.message)).toContain('violates check constraint');
    expect(entry.err).not.toHaveProperty('params');
    expect(line).not.toContain(email);
    expect(line).not.toContain('$argon2id$');
    expect(line).not.toContain('params:');
  });
});
