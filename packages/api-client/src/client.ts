import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

export type { components, paths };
export type BoltlinkClient = Client<paths>;
/** A link as the API answers it. */
export type Link = components['schemas']['Link'];

export interface BoltlinkClientOptions extends ClientOptions {
  /** The API's origin, e.g. http://localhost:3000 (paths in calls start with /api/v1). */
  baseUrl: string;
  /** A session token or API key, sent as `Authorization: Bearer`; a browser using the cookie session omits it. */
  token?: string;
}

/**
 * A typed client of the management API: every path, parameter, body and answer is checked against the
 * API's OpenAPI document at compile time (openapi-fetch over the generated `paths`).
 */
export function createBoltlinkClient({ token, headers, ...options }: BoltlinkClientOptions): BoltlinkClient {
  return createClient<paths>({
    ...options,
    headers: token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` },
  });
}
