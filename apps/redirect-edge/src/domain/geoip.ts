import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { LRUCache } from 'lru-cache';
import { type CountryResponse, Reader } from 'mmdb-lib';

/** Country of a client IP from a MaxMind DB file (GeoLite2/GeoIP2 Country or City), read once into memory. */
export interface CountryLookup {
  /** ISO 3166-1 alpha-2 code, or null for private, unknown and malformed addresses. Never throws. */
  lookup(ip: string): string | null;
  /** What was loaded, for the startup log line. */
  readonly database: { type: string; builtAt: Date; ipVersion: number };
}

export interface CountryLookupOptions {
  /**
   * Decoded data-section values kept in memory, keyed by file offset. Many networks share one record (a
   * Country database has a few hundred distinct ones), so this spares decoding the record of every click;
   * 0 turns it off.
   */
  cacheEntries?: number;
}

/** The database file cannot serve lookups: missing, unreadable, not an MMDB, or without countries. */
export class GeoIpDatabaseError extends Error {
  override readonly name = 'GeoIpDatabaseError';
}

const DEFAULT_CACHE_ENTRIES = 10_000;
const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from('MaxMind.com', 'ascii')]);
// GeoIP2/GeoLite2 Country and City, GeoIP2 Enterprise, and DB-IP's compatible country/city files carry
// `country.iso_code`; an ASN, ISP or anonymous-IP database would load fine and then never find a country.
const COUNTRY_DATABASE = /country|city|enterprise/i;
const ISO_CODE = /^[A-Z]{2}$/;
const MAPPED_DOTTED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;
const MAPPED_HEX = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

export async function createCountryLookup(
  path: string,
  options: CountryLookupOptions = {},
): Promise<CountryLookup> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GeoIpDatabaseError(`cannot read the MaxMind database file: ${reason}`, { cause: error });
  }
  return countryLookupFromBuffer(file, path, options);
}

export function countryLookupFromBuffer(
  file: Buffer,
  source: string,
  options: CountryLookupOptions = {},
): CountryLookup {
  // mmdb-lib scans backwards for the marker and, when there is none, decodes whatever bytes it lands on:
  // check first so a wrong file gets a message that says so.
  if (file.lastIndexOf(METADATA_MARKER) === -1) {
    throw new GeoIpDatabaseError(
      `${source} is not a MaxMind DB file (no metadata section); expected a GeoLite2/GeoIP2 Country or City .mmdb`,
    );
  }
  const cacheEntries = options.cacheEntries ?? DEFAULT_CACHE_ENTRIES;
  const cache =
    cacheEntries > 0 ? new LRUCache<string | number, NonNullable<unknown>>({ max: cacheEntries }) : undefined;
  let reader: Reader<CountryResponse>;
  try {
    reader = new Reader<CountryResponse>(file, cache === undefined ? {} : { cache });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GeoIpDatabaseError(`${source} is not a readable MaxMind DB file: ${reason}`, { cause: error });
  }
  const { databaseType, buildEpoch, ipVersion, binaryFormatMajorVersion } = reader.metadata;
  if (binaryFormatMajorVersion !== 2 || (ipVersion !== 4 && ipVersion !== 6)) {
    throw new GeoIpDatabaseError(
      `${source} has MaxMind DB format ${binaryFormatMajorVersion} for IPv${ipVersion}; only format 2 is supported`,
    );
  }
  if (typeof databaseType !== 'string' || !COUNTRY_DATABASE.test(databaseType)) {
    throw new GeoIpDatabaseError(
      `${source} is a "${String(databaseType)}" database, which has no countries; use a GeoLite2/GeoIP2 Country or City database`,
    );
  }

  return {
    database: { type: databaseType, builtAt: buildEpoch, ipVersion },
    lookup(ip) {
      const address = normalise(ip, ipVersion);
      if (address === null) return null;
      try {
        return countryOf(reader.get(address));
      } catch {
        // Only a corrupt record can throw here; a click without a country beats a failed redirect.
        return null;
      }
    },
  };
}

/**
 * mmdb-lib does not validate its input (garbage parses as 0.0.0.0), so only addresses node:net accepts go
 * through. IPv4-mapped IPv6 (what a dual-stack socket reports for an IPv4 client) is looked up as IPv4:
 * MaxMind's own files alias ::ffff:0:0/96 to the IPv4 tree, but nothing obliges every file to.
 */
function normalise(ip: string, ipVersion: number): string | null {
  const family = isIP(ip);
  if (family === 4) return ip;
  if (family !== 6) return null;
  const dotted = MAPPED_DOTTED.exec(ip);
  if (dotted?.[1] !== undefined) return isIP(dotted[1]) === 4 ? dotted[1] : null;
  const hex = MAPPED_HEX.exec(ip);
  if (hex?.[1] !== undefined && hex[2] !== undefined) {
    const high = Number.parseInt(hex[1], 16);
    const low = Number.parseInt(hex[2], 16);
    return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  }
  // An IPv4-only database has no tree for IPv6 addresses; walking it with 128 bits would return garbage.
  return ipVersion === 6 ? ip : null;
}

function countryOf(record: CountryResponse | null): string | null {
  if (record === null) return null;
  // Where the address is used (country) wins; where its block is registered is the fallback (e.g. a
  // network of a European carrier whose users' location MaxMind does not know).
  const code = record.country?.iso_code ?? record.registered_country?.iso_code;
  return typeof code === 'string' && ISO_CODE.test(code) ? code : null;
}
