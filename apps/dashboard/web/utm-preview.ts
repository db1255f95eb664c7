import type { components } from '@boltlink/api-client/client';
import { buildLocation } from '@boltlink/redirect-location/location';
import { utmParameters } from '@boltlink/redirect-location/utm';

export type CampaignUtm = components['schemas']['Campaign']['utm'];

/** A campaign's UTM parameters as the edge adds them, from values as typed (the API stores them trimmed). */
export function campaignParameters(utm: CampaignUtm): [string, string][] {
  const trim = (value: string | null) => value?.trim() ?? null;
  return Object.entries(
    utmParameters({
      source: trim(utm.source),
      medium: trim(utm.medium),
      campaign: trim(utm.campaign),
      term: trim(utm.term),
      content: trim(utm.content),
    }),
  );
}

/**
 * Where a link of the campaign sends a visitor who adds no query of their own, or null for a destination that
 * is no http(s) URL: the edge's own rule (`buildLocation`), so the preview cannot drift from the redirect.
 */
export function previewLocation(destination: string, utm: CampaignUtm): string | null {
  return buildLocation(destination.trim(), '', Object.fromEntries(campaignParameters(utm)));
}
