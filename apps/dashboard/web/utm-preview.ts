import type { components } from '@boltlink/api-client/client';

export type CampaignUtm = components['schemas']['Campaign']['utm'];

/**
 * The query parameters the edge adds for a campaign, by wire name, in the edge's order; blank values are left
 * out, as the API stores them (null) and the edge skips them (packages/redis-keys `utmParameters`).
 */
export function utmParameters(utm: CampaignUtm): [string, string][] {
  const entries: [string, string | null][] = [
    ['utm_source', utm.source],
    ['utm_medium', utm.medium],
    ['utm_campaign', utm.campaign],
    ['utm_term', utm.term],
    ['utm_content', utm.content],
  ];
  return entries.flatMap(([name, value]) => {
    const trimmed = value?.trim() ?? '';
    return trimmed === '' ? [] : [[name, trimmed] as [string, string]];
  });
}

/**
 * Where a link of the campaign sends a visitor who adds no query of their own, or null for a destination
 * that is no http(s) URL. The same rule as the edge's `buildLocation` (apps/redirect-edge/src/domain/
 * location.ts), which the dashboard cannot import (apps depend on packages only): the destination's own
 * parameters stay byte for byte unless a UTM parameter of the same name replaces them, and the UTM
 * parameters come last, percent-encoded with encodeURIComponent. The browser test compares this preview with
 * the Location the edge answers.
 */
export function previewLocation(destination: string, utm: CampaignUtm): string | null {
  let url: URL;
  try {
    url = new URL(destination.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const parameters = utmParameters(utm);
  if (parameters.length === 0) return url.href;
  const replaced = new Set(parameters.map(([name]) => name));
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((raw) => raw !== '' && !replaced.has(decodedName(raw)));
  const added = parameters.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  url.search = `?${[...kept, ...added].join('&')}`;
  return url.href;
}

function decodedName(raw: string): string {
  const eq = raw.indexOf('=');
  const name = (eq === -1 ? raw : raw.slice(0, eq)).replaceAll('+', ' ');
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
