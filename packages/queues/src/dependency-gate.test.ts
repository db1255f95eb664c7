import { describe, expect, it } from 'vitest';
import { createDependencyGate } from './dependency-gate.ts';

describe('createDependencyGate', () => {
  it('closes on an unavailable error, probes with backoff and opens by itself', async () => {
    const changes: boolean[] = [];
    let probes = 0;
    const gate = createDependencyGate({
      dependency: 'postgres',
      isUnavailable: (error) => error === 'down',
      probe: async () => {
        probes += 1;
        if (probes < 3) throw new Error('still down');
      },
      minDelayMs: 5,
      maxDelayMs: 20,
    });
    const opened = new Promise<void>((resolve) =>
      gate.subscribe((available) => {
        changes.push(available);
        if (available) resolve();
      }),
    );
    expect(gate.available).toBe(true);
    expect(gate.isUnavailable('down')).toBe(true);
    expect(gate.isUnavailable(new Error('bad row'))).toBe(false);

    gate.close('down');
    gate.close('down again');
    expect(gate.available).toBe(false);

    await opened;
    expect(gate.available).toBe(true);
    expect(probes).toBe(3);
    expect(changes).toEqual([false, true]);
    gate.stop();
  });

  it('stops probing once stopped', async () => {
    let probes = 0;
    const gate = createDependencyGate({
      dependency: 'postgres',
      isUnavailable: () => true,
      probe: async () => {
        probes += 1;
      },
      minDelayMs: 5,
    });
    gate.close(new Error('down'));
    gate.stop();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(probes).toBe(0);
    expect(gate.available).toBe(false);
  });
});
