import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Reader } from 'mmdb-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TEST_BUILD_EPOCH,
  TEST_COUNTRY_NETWORKS,
  TEST_DATABASE_TYPE,
  testCountryDatabase,
  writeTestCountryDatabase,
} from '../../test/fixtures/country-db.ts';
import { writeMmdb } from '../../test/fixtures/write-mmdb.ts';
import {
  type CountryLookup,
  countryLookupFromBuffer,
  createCountryLookup,
  GeoIpDatabaseError,
} from './geoip.ts';

let dir: string;
let dbPath: string;
let geo: CountryLookup;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'boltlink-geoip-'));
  dbPath = await writeTestCountryDatabase(dir);
  geo = await createCountryLookup(dbPath);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function dataOf(cidr: string) {
  return TEST_COUNTRY_NETWORKS.find((network) => network.cidr === cidr)?.data;
}

describe('the test database writer', () => {
  // The lookup tests below are only worth something if the fixture is a real MMDB: read it with the library's
  // own parser, bypassing our wrapper.
  it('writes a file that mmdb-lib parses, with the metadata and records that were put in', () => {
    const reader = new Reader(testCountryDatabase());

    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: TEST_DATABASE_TYPE,
      ipVersion: 6,
      recordSize: 24,
      languages: ['de', 'en', 'fr'],
      description: { en: 'BoltLink test country database' },
      buildEpoch: new Date(TEST_BUILD_EPOCH * 1000),
    });
    // Maps, arrays, strings, doubles, uint32 and booleans, with shared values written once behind pointers.
    expect(reader.get('81.2.69.1')).toEqual(dataOf('81.2.69.0/24'));
    expect(reader.get('81.2.69.200')).toEqual(dataOf('81.2.69.192/28'));
    expect(reader.get('2001:db8:ffff::1')).toEqual(dataOf('2001:db8::/32'));
    expect(reader.get('8.8.8.8')).toBeNull();
    expect(reader.get('2001:db9::1')).toBeNull();
  });

  it('gives the network boundaries the tree was built with', () => {
    const reader = new Reader(testCountryDatabase());

    expect(reader.get('81.2.68.255')).toBeNull();
    expect(reader.get('81.2.69.255')).toEqual(dataOf('81.2.69.0/24'));
    expect(reader.get('81.2.70.0')).toBeNull();
    expect(reader.get('81.2.69.191')).toEqual(dataOf('81.2.69.0/24'));
    expect(reader.get('81.2.69.207')).toEqual(dataOf('81.2.69.192/28'));
    expect(reader.get('81.2.69.208')).toEqual(dataOf('81.2.69.0/24'));
  });

  it('writes IPv4-only databases too', () => {
    const reader = new Reader(
      writeMmdb({
        ipVersion: 4,
        databaseType: 'GeoLite2-Country',
        networks: [{ cidr: '81.2.69.0/24', data: { country: { iso_code: 'GB' } } }],
      }),
    );

    expect(reader.metadata.ipVersion).toBe(4);
    expect(reader.get('81.2.69.7')).toEqual({ country: { iso_code: 'GB' } });
    expect(reader.get('81.2.70.7')).toBeNull();
  });
});

describe('country lookup', () => {
  it('finds the country of an IPv4 address, the most specific network winning', () => {
    expect(geo.lookup('81.2.69.160')).toBe('GB');
    expect(geo.lookup('81.2.69.0')).toBe('GB');
    expect(geo.lookup('81.2.69.200')).toBe('US');
  });

  it('looks IPv4-mapped IPv6 addresses up as IPv4 (the file has no ::ffff:0:0/96 alias)', () => {
    // Proves the mapping is ours: the library alone finds nothing there.
    expect(new Reader(testCountryDatabase()).get('::ffff:81.2.69.160')).toBeNull();

    expect(geo.lookup('::ffff:81.2.69.160')).toBe('GB');
    expect(geo.lookup('::FFFF:81.2.69.200')).toBe('US');
    expect(geo.lookup('::ffff:5102:45a0')).toBe('GB');
    expect(geo.lookup('::ffff:5102:45c8')).toBe('US');
  });

  it('finds the country of an IPv6 address, whatever its spelling', () => {
    expect(geo.lookup('2001:db8::1')).toBe('DE');
    expect(geo.lookup('2001:DB8:0:0:0:0:0:1')).toBe('DE');
    expect(geo.lookup('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff')).toBe('DE');
  });

  it('falls back to the registered country when the country is unknown', () => {
    expect(geo.lookup('89.160.20.115')).toBe('FR');
  });

  it('returns null for a record without any country', () => {
    expect(geo.lookup('67.43.156.1')).toBeNull();
  });

  it.each([
    ['an address outside every network', '8.8.8.8'],
    ['an IPv6 address outside every network', '2001:db9::1'],
    ['a private address', '10.1.2.3'],
    ['loopback', '127.0.0.1'],
    ['IPv6 loopback', '::1'],
    ['link-local with a zone', 'fe80::1%eth0'],
    ['a mapped private address', '::ffff:192.168.1.1'],
  ])('returns null for %s (%s)', (_label, ip) => {
    expect(geo.lookup(ip)).toBeNull();
  });

  it('does not let garbage reach the library, which reads it as 0.0.0.0 (mapped to AQ in this database)', () => {
    expect(new Reader(testCountryDatabase()).get('not an ip')).toEqual(dataOf('0.0.0.0/32'));
    expect(geo.lookup('0.0.0.0')).toBe('AQ');
    expect(geo.lookup('not an ip')).toBeNull();
  });

  it.each(
    [
      '',
      'not an ip',
      '81.2.69',
      '81.2.69.160.1',
      '081.2.69.160',
      '999.2.69.160',
      ' 81.2.69.160',
      '81.2.69.160\n',
      '81.2.69.160/24',
      '::ffff:999.2.69.160',
      '2001:db8::1::2',
      'x'.repeat(10_000),
    ].map((ip) => [ip.length > 40 ? `${ip.slice(0, 8)}… (${ip.length} characters)` : JSON.stringify(ip), ip]),
  )('returns null, without throwing, for the malformed address %s', (_label, ip) => {
    expect(geo.lookup(ip)).toBeNull();
  });

  it('answers the same with and without the record cache, also on repeated lookups', () => {
    const uncached = countryLookupFromBuffer(testCountryDatabase(), 'test', { cacheEntries: 0 });
    const ips = ['81.2.69.160', '81.2.69.200', '89.160.20.115', '2001:db8::1', '8.8.8.8', '::ffff:81.2.69.1'];
    const first = ips.map((ip) => geo.lookup(ip));

    expect(ips.map((ip) => geo.lookup(ip))).toEqual(first);
    expect(ips.map((ip) => uncached.lookup(ip))).toEqual(first);
    expect(first).toEqual(['GB', 'US', 'FR', 'DE', null, 'GB']);
  });

  it('says what it loaded', () => {
    expect(geo.database).toEqual({
      type: TEST_DATABASE_TYPE,
      builtAt: new Date(TEST_BUILD_EPOCH * 1000),
      ipVersion: 6,
    });
  });

  it('finds no IPv6 country in an IPv4-only database, and still maps IPv4-mapped addresses', () => {
    const v4 = countryLookupFromBuffer(
      writeMmdb({
        ipVersion: 4,
        databaseType: 'GeoIP2-Country',
        networks: [{ cidr: '0.0.0.0/1', data: { country: { iso_code: 'GB' } } }],
      }),
      'v4',
    );

    expect(v4.lookup('81.2.69.160')).toBe('GB');
    expect(v4.lookup('::ffff:81.2.69.160')).toBe('GB');
    expect(v4.lookup('2001:db8::1')).toBeNull();
    // IPv6 bits beginning with a 0 would walk into 0.0.0.0/1 if the tree were read 128 bits deep.
    expect(v4.lookup('::1')).toBeNull();
  });

  it('ignores codes that are not ISO 3166-1 alpha-2', () => {
    const odd = countryLookupFromBuffer(
      writeMmdb({
        databaseType: 'GeoIP2-Country',
        networks: [
          { cidr: '81.2.69.0/24', data: { country: { iso_code: 'GBR' } } },
          { cidr: '81.2.70.0/24', data: { country: { iso_code: 'gb' } } },
          { cidr: '81.2.71.0/24', data: { country: { iso_code: 826 } } },
          { cidr: '81.2.72.0/24', data: 'GB' },
        ],
      }),
      'odd',
    );

    expect(['81.2.69.1', '81.2.70.1', '81.2.71.1', '81.2.72.1'].map((ip) => odd.lookup(ip))).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('loading the database file', () => {
  it('fails with a clear error when the file is missing', async () => {
    const missing = join(dir, 'nope.mmdb');

    const error = await createCountryLookup(missing).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(GeoIpDatabaseError);
    expect((error as Error).message).toMatch(/cannot read the MaxMind database file: ENOENT/);
    expect((error as Error).message).toContain(missing);
  });

  it('fails with a clear error for a directory', async () => {
    const folder = join(dir, 'a-folder.mmdb');
    await mkdir(folder);

    await expect(createCountryLookup(folder)).rejects.toThrow(
      /cannot read the MaxMind database file: EISDIR/,
    );
  });

  it('fails with a clear error for a file that is not an MMDB', async () => {
    const csv = join(dir, 'GeoLite2-Country-Blocks-IPv4.csv');
    await writeFile(csv, 'network,geoname_id\n81.2.69.0/24,2635167\n');

    const error = await createCountryLookup(csv).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(GeoIpDatabaseError);
    expect((error as Error).message).toBe(
      `${csv} is not a MaxMind DB file (no metadata section); expected a GeoLite2/GeoIP2 Country or City .mmdb`,
    );
  });

  it('fails with a clear error for a truncated or corrupt MMDB', async () => {
    const file = testCountryDatabase();
    const truncated = join(dir, 'truncated.mmdb');
    await writeFile(truncated, file.subarray(0, file.length - 20));
    const marker = Buffer.from('abcdef4d61784d696e642e636f6d', 'hex');
    const emptyMetadata = join(dir, 'empty-metadata.mmdb');
    await writeFile(emptyMetadata, Buffer.concat([Buffer.alloc(64, 7), marker]));
    const garbageMetadata = join(dir, 'garbage-metadata.mmdb');
    await writeFile(
      garbageMetadata,
      Buffer.concat([Buffer.alloc(64, 7), marker, Buffer.from([0xff, 0xff, 0x12])]),
    );

    for (const path of [truncated, emptyMetadata, garbageMetadata]) {
      const error = await createCountryLookup(path).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GeoIpDatabaseError);
      expect((error as Error).message).toMatch(
        new RegExp(`^${path}( is not a readable MaxMind DB file: | has )`),
      );
    }
  });

  it('refuses a MaxMind database that has no countries (e.g. ASN)', async () => {
    const asn = join(dir, 'GeoLite2-ASN.mmdb');
    await writeFile(
      asn,
      writeMmdb({
        databaseType: 'GeoLite2-ASN',
        networks: [{ cidr: '81.2.69.0/24', data: { autonomous_system_number: 20712 } }],
      }),
    );

    await expect(createCountryLookup(asn)).rejects.toThrow(
      `${asn} is a "GeoLite2-ASN" database, which has no countries; use a GeoLite2/GeoIP2 Country or City database`,
    );
  });

  it('loads a Country database as well as a City one', async () => {
    const country = join(dir, 'GeoLite2-Country.mmdb');
    await writeFile(
      country,
      writeMmdb({
        databaseType: 'GeoLite2-Country',
        networks: [{ cidr: '2a02:c7c::/32', data: { country: { iso_code: 'GB' } } }],
      }),
    );

    const lookup = await createCountryLookup(country);

    expect(lookup.lookup('2a02:c7c:1234::1')).toBe('GB');
    expect(lookup.database.type).toBe('GeoLite2-Country');
  });
});
