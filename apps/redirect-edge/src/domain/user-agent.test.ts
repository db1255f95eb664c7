import { describe, expect, it } from 'vitest';
import { createUserAgentClassifier } from './user-agent.ts';

describe('user agent classifier', () => {
  const classify = createUserAgentClassifier(10);

  it('recognises device type, browser and OS', () => {
    const iphone =
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
    expect(classify(iphone)).toEqual({ device: 'mobile', browser: 'Mobile Safari', os: 'iOS', isBot: false });
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
    expect(classify(firefox)).toEqual({ device: 'desktop', browser: 'Firefox', os: 'Linux', isBot: false });
  });

  it('flags bots and clients without a User-Agent', () => {
    expect(classify('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)').isBot).toBe(
      true,
    );
    expect(classify('curl/8.5.0').isBot).toBe(true);
    expect(classify(undefined)).toMatchObject({ isBot: true, device: 'unknown' });
  });

  it('answers the same for a repeated string (memoised) and bounds what it parses', () => {
    const ua =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
    expect(classify(ua)).toBe(classify(ua));
    const huge = `${ua}${'x'.repeat(100_000)}`;
    expect(classify(huge).browser).toBe('Chrome');
  });
});
