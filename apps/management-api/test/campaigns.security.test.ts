import { describe, expect } from 'vitest';
import { expectProblem, signup, test } from './support/api.ts';

const utm = { source: 'newsletter', medium: 'email', campaign: 'spring' };

describe('campaign authorization', () => {
  test("answers 404 for another account's campaign and refuses to attach links to it", async ({ api }) => {
    const alice = await signup(api);
    const bob = await signup(api);
    const campaign = (
      await api.app.inject({
        method: 'POST',
        url: '/api/v1/campaigns',
        headers: alice.auth,
        payload: { name: 'A', utm },
      })
    ).json();
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      expectProblem(
        await api.app.inject({ method, url: `/api/v1/campaigns/${campaign.id}`, headers: bob.auth, payload }),
        404,
      );
    }
    const link = await api.app.inject({
      method: 'POST',
      url: '/api/v1/links',
      headers: bob.auth,
      payload: { url: 'https://example.com/', campaignId: campaign.id },
    });
    expect(expectProblem(link, 400).detail).toContain('campaignId');
  });
});
