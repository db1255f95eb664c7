import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { createRecentMemo } from './recent-memo.ts';

export interface UserAgentInfo {
  device: string;
  browser: string;
  os: string;
  isBot: boolean;
}

/** Longer strings are truncated before parsing; real browsers stay far below this, abuse does not. */
const MAX_UA_LENGTH = 512;
// The click schema's limits: device <= 32, browser and os <= 64 characters.
const MAX_DEVICE_LENGTH = 32;
const MAX_LABEL_LENGTH = 64;

const EMPTY: UserAgentInfo = Object.freeze({
  device: 'unknown',
  browser: 'unknown',
  os: 'unknown',
  isBot: true,
});

/**
 * Classifies User-Agent strings. Parsing one costs tens of microseconds, and a redirect's traffic repeats a
 * small set of strings, so results are memoised (the strings seen lately, a bounded number) by the (truncated)
 * string.
 */
export function createUserAgentClassifier(
  maxEntries = 2000,
): (userAgent: string | undefined) => UserAgentInfo {
  const cache = createRecentMemo<string, UserAgentInfo>(maxEntries);
  return (userAgent) => {
    // No User-Agent at all is what scripts send, not browsers: count it, flagged as a bot.
    if (userAgent === undefined || userAgent.length === 0) return EMPTY;
    const key = userAgent.length > MAX_UA_LENGTH ? userAgent.slice(0, MAX_UA_LENGTH) : userAgent;
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const info = classify(key);
    cache.set(key, info);
    return info;
  };
}

function classify(userAgent: string): UserAgentInfo {
  const result = new UAParser(userAgent).getResult();
  const bot = isbot(userAgent);
  const os = label(result.os.name);
  let device: string;
  if (bot) device = 'bot';
  else if (result.device.type !== undefined) device = label(result.device.type, MAX_DEVICE_LENGTH);
  // ua-parser leaves desktop devices untyped; only call it desktop when an OS was recognised.
  else device = os === 'unknown' ? 'unknown' : 'desktop';
  return Object.freeze({ device, browser: label(result.browser.name), os, isBot: bot });
}

function label(value: string | undefined, max = MAX_LABEL_LENGTH): string {
  if (value === undefined || value.length === 0) return 'unknown';
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Whether a served redirect was asked for by a person: not a HEAD (which never follows a link: a checker or a
 * preview fetcher), not a known bot, and with a User-Agent (scripts send none; `classify` flags those as
 * bots). The one rule behind both the click's bot flag and what counts against a link's `maxClicks`.
 */
export function isHumanClick(method: string, agent: UserAgentInfo): boolean {
  return method !== 'HEAD' && !agent.isBot;
}
