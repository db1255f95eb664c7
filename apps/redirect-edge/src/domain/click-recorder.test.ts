import type { CapturedClick } from '@boltlink/queues/catalog';
import { describe, expect, it } from 'vitest';
import type { ClickBuffer } from './click-buffer.ts';
import { type ClickContext, createClickRecorder } from './click-recorder.ts';

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
const DAY = Date.UTC(2026, 11, 8, 12);

/** A recorder whose clicks land in an array, as the batch builder would receive them. */
function recorder() {
  const clicks: CapturedClick[] = [];
  const buffer: ClickBuffer = {
    add: (click) => clicks.push(click),
    flush: async () => undefined,
    close: async () => ({ lost: 0 }),
    size: 0,
  };
  const record = createClickRecorder({ buffer, appSecret: 'test-secret-test-secret-test-secret-0123' });
  const click = (
    ip: string,
    userAgent: string | undefined,
    occurredAt = DAY,
    extra: Partial<ClickContext> = {},
  ) => {
    record('link-1', {
      method: 'GET',
      ip,
      userAgent,
      referer: undefined,
      country: undefined,
      occurredAt,
      ...extra,
    });
    return clicks.at(-1) as CapturedClick;
  };
  return { click };
}

describe('click recorder: visitors', () => {
  it('gives a returning visitor one hash, and each browser behind one address its own, however they alternate', () => {
    const { click } = recorder();
    const agents = [
      CHROME,
      FIREFOX,
      'curl/8.5.0',
      undefined,
      'Mozilla/5.0 (iPhone) Mobile/15E148',
      'Wget/1.21',
    ];
    const first = agents.map((ua) => click('198.51.100.4', ua).visitorHash);
    expect(new Set(first).size).toBe(agents.length);
    for (let round = 0; round < 3; round += 1) {
      expect(agents.map((ua) => click('198.51.100.4', ua).visitorHash)).toEqual(first);
    }
    expect(click('198.51.100.5', CHROME).visitorHash).not.toBe(first[0]);
  });

  it('gives the same visitor another hash the next day', () => {
    const { click } = recorder();
    const today = click('198.51.100.4', CHROME).visitorHash;
    const tomorrow = click('198.51.100.4', CHROME, DAY + 86_400_000).visitorHash;
    expect(tomorrow).not.toBe(today);
    expect(click('198.51.100.4', CHROME, DAY + 86_400_000 + 60_000).visitorHash).toBe(tomorrow);
  });

  it("keeps every visitor's hash and classification through a stream of 30,000 addresses", () => {
    const { click } = recorder();
    const reference = new Map<string, string | null>();
    const browsers = new Set<string>();
    for (let i = 0; i < 30_000; i += 1) {
      const ip = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
      const ua = i % 2 === 0 ? CHROME : FIREFOX;
      const recorded = click(ip, ua);
      reference.set(`${ip} ${ua}`, recorded.visitorHash);
      browsers.add(`${ua === CHROME ? 'Chrome' : 'Firefox'}=${recorded.agent.browser} bot=${recorded.isBot}`);
    }
    expect(browsers).toEqual(new Set(['Chrome=Chrome bot=false', 'Firefox=Firefox bot=false']));
    expect(new Set(reference.values()).size).toBe(30_000);
    // Long forgotten by any memo: computed again, to the same value.
    expect(click('10.0.0.0', CHROME).visitorHash).toBe(reference.get(`10.0.0.0 ${CHROME}`));
    expect(click('10.0.0.1', FIREFOX).visitorHash).toBe(reference.get(`10.0.0.1 ${FIREFOX}`));
  });

  it('flags HEAD requests and clients without a User-Agent as bots, counted all the same', () => {
    const { click } = recorder();
    expect(click('198.51.100.4', CHROME).isBot).toBe(false);
    expect(click('198.51.100.4', CHROME, DAY, { method: 'HEAD' }).isBot).toBe(true);
    expect(click('198.51.100.4', undefined).isBot).toBe(true);
  });
});
