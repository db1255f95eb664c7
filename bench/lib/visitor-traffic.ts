import { COUNTRIES, REFERRERS } from './click-dimensions.ts';

/**
 * Who the benches' redirects come from. `same`: one desktop browser from one address, no referrer or country (the
 * runs before 2026-12-08). `varied`: 50,000 visitor addresses through X-Forwarded-For, 24 User-Agents, the bench's
 * countries (a `cf-ipcountry` header) and referrers, as real traffic behind a proxy or a CDN brings them; the edge
 * must then trust the loopback proxy and read the country header (`VARIED_TRAFFIC_EDGE_ENV`).
 */
export type Traffic = 'same' | 'varied';

export const VARIED_ADDRESSES = 50_000;

export const SAME_BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** 24 User-Agents: 4 platforms × 3 browsers × 2 versions. */
export const USER_AGENTS = [
  'Windows NT 10.0; Win64; x64',
  'Macintosh; Intel Mac OS X 14_5',
  'Linux; Android 14; Pixel 8',
  'X11; Linux x86_64',
].flatMap((platform) =>
  [125, 126].flatMap((version) => [
    `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version}.0.0.0 Safari/537.36`,
    `Mozilla/5.0 (${platform}; rv:${version}.0) Gecko/20100101 Firefox/${version}.0`,
    `Mozilla/5.0 (${platform}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version}.0.0.0 Safari/537.36 Edg/${version}.0.0.0`,
  ]),
);

/** The edge's settings varied traffic needs: addresses and countries come in headers, as behind a proxy or a CDN. */
export const VARIED_TRAFFIC_EDGE_ENV: Record<string, string> = {
  TRUST_PROXY: 'loopback',
  COUNTRY_HEADER: 'cf-ipcountry',
};

/** `TRAFFIC` from the environment: `varied`, else `same`. */
export function trafficFromEnv(value: string | undefined): Traffic {
  return value === 'varied' ? 'varied' : 'same';
}

/** One line for a results page. */
export function describeTraffic(traffic: Traffic): string {
  return traffic === 'varied'
    ? 'Varied visitors (50,000 addresses, 24 browsers, the bench countries and referrers)'
    : 'One browser from one address';
}

const pick = <T>(items: readonly T[]) => items[Math.floor(Math.random() * items.length)] as T;

/** The headers of request number `i` to `domain`: the same browser each time, or a varied visitor. */
export function visitorHeaders(traffic: Traffic, domain: string, i: number): Record<string, string> {
  if (traffic === 'same') return { host: domain, 'user-agent': SAME_BROWSER };
  const address = Math.floor(Math.random() * VARIED_ADDRESSES);
  const country = pick(COUNTRIES);
  const referrer = pick(REFERRERS);
  return {
    host: domain,
    'user-agent': USER_AGENTS[i % USER_AGENTS.length] as string,
    'x-forwarded-for': `10.${address >> 16}.${(address >> 8) & 255}.${address & 255}`,
    ...(country === null ? {} : { 'cf-ipcountry': country }),
    ...(referrer === null ? {} : { referer: `https://${referrer}/` }),
  };
}
