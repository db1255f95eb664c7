/** A campaign's UTM values as the API answers them; term and content are optional. */
export interface CampaignUtm {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  term: string | null;
  content: string | null;
}

/**
 * The query parameters a campaign adds on redirect, keyed by their wire names, in this order. A null or empty
 * value is left out: `utm_term=` would override a visitor's own `utm_term` with nothing, and analytics tools
 * read an empty parameter as a value of its own. The edge (through the cached link) and the dashboard's
 * preview both take them from here.
 */
export function utmParameters(utm: CampaignUtm): Record<string, string> {
  const parameters: Record<string, string> = {};
  if (utm.source) parameters.utm_source = utm.source;
  if (utm.medium) parameters.utm_medium = utm.medium;
  if (utm.campaign) parameters.utm_campaign = utm.campaign;
  if (utm.term) parameters.utm_term = utm.term;
  if (utm.content) parameters.utm_content = utm.content;
  return parameters;
}
