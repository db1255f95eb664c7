import { expect } from 'vitest';
import { PASSWORD, stack } from './browser.ts';

export type ApiCall = (path: string, init?: RequestInit) => Promise<Response>;

/** The API as a script uses it: a session token from /auth/login for a person who signed up, as Bearer. */
export async function apiSession(email: string): Promise<ApiCall> {
  const login = await fetch(`${stack().api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(login.status).toBe(200);
  const { token } = (await login.json()) as { token: string };
  return (path, init = {}) =>
    fetch(`${stack().api}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });
}
