import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readRedirectHeaders } from './request-headers.ts';

/** Sends raw header lines to a real node:http server and returns what both readings give. */
async function readBoth(lines: [string, string][], countryHeader?: string) {
  let seen: { fast: unknown; node: unknown } | undefined;
  const server = createServer((req, res) => {
    const headers = req.headers;
    const country = countryHeader === undefined ? undefined : headers[countryHeader];
    seen = {
      fast: readRedirectHeaders(req.rawHeaders, countryHeader),
      node: {
        host: headers.host,
        userAgent: headers['user-agent'],
        referer: headers.referer,
        country: Array.isArray(country) ? country.join(', ') : country,
        acceptLanguage: headers['accept-language'],
        forwardedFor: headers['x-forwarded-for'],
        forwardedHost: headers['x-forwarded-host'],
      },
    };
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/x', setHost: false, headers: lines.flat() },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
  return seen;
}

describe('readRedirectHeaders', () => {
  it('reads what req.headers holds, whatever the case of the names', async () => {
    const both = await readBoth(
      [
        ['HOST', 'Bench.Local:8080'],
        ['User-Agent', 'Mozilla/5.0'],
        ['REFERER', 'https://news.example/'],
        ['CF-IPCountry', 'DE'],
        ['Accept', '*/*'],
        ['ACCEPT-LANGUAGE', 'de-CH,de;q=0.9'],
      ],
      'cf-ipcountry',
    );
    expect(both?.fast).toEqual(both?.node);
    expect(both?.fast).toEqual({
      host: 'Bench.Local:8080',
      userAgent: 'Mozilla/5.0',
      referer: 'https://news.example/',
      country: 'DE',
      acceptLanguage: 'de-CH,de;q=0.9',
    });
  });

  it('keeps the first Host, User-Agent and Referer and joins a repeated country or Accept-Language header, as node:http does', async () => {
    const both = await readBoth(
      [
        ['Host', 'first.example'],
        ['Host', 'second.example'],
        ['User-Agent', 'one'],
        ['user-agent', 'two'],
        ['Referer', 'https://a.example/'],
        ['Referer', 'https://b.example/'],
        ['x-country', 'US'],
        ['X-Country', 'FR'],
        ['Accept-Language', 'fr'],
        ['accept-language', 'en;q=0.5'],
        ['X-Forwarded-For', '203.0.113.9'],
        ['x-forwarded-for', ' 10.0.0.2 ,10.0.0.3'],
        ['X-FORWARDED-HOST', 'a.example'],
        ['x-forwarded-host', 'b.example'],
      ],
      'x-country',
    );
    expect(both?.fast).toEqual(both?.node);
    expect(both?.fast).toMatchObject({
      host: 'first.example',
      userAgent: 'one',
      country: 'US, FR',
      acceptLanguage: 'fr, en;q=0.5',
      forwardedFor: '203.0.113.9, 10.0.0.2 ,10.0.0.3',
      forwardedHost: 'a.example, b.example',
    });
  });

  it('reports absent headers as undefined and ignores the country header when none is configured', async () => {
    // node:http refuses an HTTP/1.1 request without Host, so Host is the one header always there.
    const both = await readBoth([
      ['Host', 'bench.local'],
      ['cf-ipcountry', 'DE'],
    ]);
    expect(both?.fast).toEqual({
      host: 'bench.local',
      userAgent: undefined,
      referer: undefined,
      country: undefined,
      acceptLanguage: undefined,
      forwardedFor: undefined,
      forwardedHost: undefined,
    });
    expect(both?.fast).toEqual(both?.node);
  });
});
