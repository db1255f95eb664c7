import { describe } from 'vitest';
import { expectProblem, signup, test } from './support/api.ts';

const utm = { source: 'newsletter', medium: 'email', campaign: 'spring' };

describe('campaign validation', () => {
  test('rejects a campaign without the required UTM fields', async ({ api }) => {
    const user = await signup(api);
    for (const payload of [
      { name: 'x', utm: { source: 'a', medium: 'b' } },
      { name: 'x', utm: { ...utm, source: '   ' } },
      { name: '', utm },
    ]) {
      expectProblem(
        await api.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: user.auth, payload }),
        400,
      );
    }
  });

  test('answers 404 for an unknown campaign and 400 for an empty PATCH', async ({ api }) => {
    const user = await signup(api);
    expectProblem(
      await api.app.inject({
        url: '/api/v1/campaigns/00000000-0000-4000-8000-000000000000',
        headers: user.auth,
      }),
      404,
    );
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns',
      headers: user.auth,
      payload: { name: 'n', utm },
    });
    expectProblem(
      await api.app.inject({
        method: 'PATCH',
        url: `/api/v1/campaigns/${created.json().id}`,
        headers: user.auth,
        payload: {},
      }),
      400,
    );
  });
});
