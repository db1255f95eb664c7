import type { OrphanVisitBatch } from '@boltlink/queues/catalog';
import { describe, expect, it } from 'vitest';
import { createOrphanVisitRecorder, type OrphanRequest } from './orphan-visits.ts';
import { createUserAgentClassifier } from './user-agent.ts';

const NOW = Date.UTC(2026, 11, 7, 14, 5, 30);

function visit(url: string, overrides: Partial<OrphanRequest> = {}): OrphanRequest {
  return {
    domain: 'sho.rt',
    url,
    kind: 'not-found',
    method: 'GET',
    ip: '203.0.113.9',
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
    referer: undefined,
    country: undefined,
    ...overrides,
  };
}

function recorder(publish: (batch: OrphanVisitBatch) => Promise<void>, maxKeys = 3) {
  return createOrphanVisitRecorder({
    publisher: { publish },
    maxKeys,
    flushIntervalMs: 60_000,
    classify: createUserAgentClassifier(),
    now: () => NOW,
  });
}

describe('orphan visit recorder', () => {
  it('counts repeats of one key once, per UTC minute, without the query string and cut to the longest path', async () => {
    const sent: OrphanVisitBatch[] = [];
    const orphans = recorder(async (batch) => {
      sent.push(batch);
    });
    orphans.record(visit('/typo?x=1'));
    orphans.record(visit('/typo?y=2', { referer: 'https://t.co/abc', country: 'de' }));
    orphans.record(visit('/typo'));
    orphans.record(visit(`/${'p'.repeat(400)}`));
    await orphans.close();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.visits).toEqual([
      expect.objectContaining({
        path: '/typo',
        count: 2,
        referrerHost: null,
        minute: Date.UTC(2026, 11, 7, 14, 5),
      }),
      expect.objectContaining({ path: '/typo', count: 1, referrerHost: 't.co', country: 'DE' }),
      expect.objectContaining({ path: `/${'p'.repeat(255)}`, count: 1 }),
    ]);
  });

  it('counts keys past the bound per domain, kind and minute only, and sends nothing when nothing happened', async () => {
    const sent: OrphanVisitBatch[] = [];
    const orphans = recorder(async (batch) => {
      sent.push(batch);
    }, 2);
    for (let i = 0; i < 50; i += 1) orphans.record(visit(`/scan${i}`));
    await orphans.flush();
    await orphans.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.visits).toHaveLength(2);
    expect(sent[0]?.overflow).toEqual([
      { domain: 'sho.rt', kind: 'not-found', minute: Date.UTC(2026, 11, 7, 14, 5), count: 48 },
    ]);
  });

  it('keeps a batch it could not enqueue and sends it again with the same id before the next', async () => {
    const sent: OrphanVisitBatch[] = [];
    let up = false;
    const orphans = recorder(async (batch) => {
      if (!up) throw new Error('queue Redis unreachable');
      sent.push(batch);
    });
    orphans.record(visit('/first'));
    await orphans.flush();
    orphans.record(visit('/second'));
    up = true;
    await orphans.flush();
    expect(sent.map((batch) => batch.visits.map((v) => v.path))).toEqual([['/first'], ['/second']]);
    expect(sent[0]?.batchId).not.toBe(sent[1]?.batchId);
  });
});
