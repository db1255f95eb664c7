import { createPool } from '@boltlink/db/client';
import { freePort } from '@boltlink/local-servers/redis';
import { describe, expect, it } from 'vitest';
import { startDimensionRollup } from './dimension-rollup.ts';

describe('the dimension roll-up on its interval', () => {
  it('keeps trying while Postgres is unreachable, says so once, and counts each failed run', async () => {
    // Nothing listens on this port: every run fails to connect.
    const pool = createPool({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none` });
    pool.on('error', () => undefined);
    const warnings: string[] = [];
    const outcomes: string[] = [];
    const rollup = startDimensionRollup({
      pool,
      intervalMs: 10,
      logger: { warn: (_details, message) => warnings.push(message) },
      onRun: (outcome) => outcomes.push(outcome),
    });
    await expect.poll(() => outcomes.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await rollup.close();
    await pool.end();
    expect(new Set(outcomes)).toEqual(new Set(['failed']));
    expect(warnings).toEqual(['click dimension roll-up failed; retrying at each interval']);
  });
});
