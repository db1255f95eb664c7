import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createClientAddress } from './client-address.ts';
import { readRedirectHeaders } from './request-headers.ts';

/**
 * What Fastify (with the same TRUST_PROXY list) and the fast path's reading say about one request: its client IP and
 * Host, the fast path's both with the headers read from the raw list and from `req.headers`.
 */
async function bothReadings(
  trustProxy: string[],
  remoteAddress: string,
  headers: Record<string, string | string[]>,
) {
  const app = Fastify({ trustProxy: trustProxy.length > 0 ? trustProxy : false });
  const address = createClientAddress(trustProxy);
  let seen: unknown;
  app.get('/:code', (request, reply) => {
    const raw = readRedirectHeaders(request.raw.rawHeaders, undefined);
    seen = {
      fastify: { ip: request.ip, host: request.host },
      fromRawHeaders: { ip: address.ip(request.raw, raw), host: address.host(request.raw, raw.host, raw) },
      fromHeaders: { ip: address.ip(request.raw), host: address.host(request.raw) },
    };
    reply.send();
  });
  await app.inject({ method: 'GET', url: '/abc', remoteAddress, headers: { host: 's.example', ...headers } });
  await app.close();
  return seen as Record<'fastify' | 'fromRawHeaders' | 'fromHeaders', { ip: string; host: string }>;
}

const CASES: [string, string[], string, Record<string, string | string[]>][] = [
  ['no proxy trusted: the socket', [], '127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }],
  ['a trusted proxy: the client it names', ['loopback'], '127.0.0.1', { 'x-forwarded-for': '198.51.100.7' }],
  ['an untrusted peer: the peer', ['10.0.0.0/8'], '192.0.2.5', { 'x-forwarded-for': '198.51.100.7' }],
  [
    'a chain: the first address no trusted proxy vouches for',
    ['loopback', '10.0.0.0/8'],
    '127.0.0.1',
    { 'x-forwarded-for': '198.51.100.7, 203.0.113.1,10.1.2.3 , 10.4.5.6' },
  ],
  [
    'every hop trusted: the leftmost',
    ['loopback', '10.0.0.0/8'],
    '127.0.0.1',
    { 'x-forwarded-for': '10.0.0.1, 10.0.0.2' },
  ],
  ['a repeated header: joined', ['loopback'], '127.0.0.1', { 'x-forwarded-for': ['192.0.2.1', '10.9.9.9'] }],
  ['garbage in the header', ['loopback'], '127.0.0.1', { 'x-forwarded-for': 'not-an-address, , ,' }],
  ['an empty header', ['loopback'], '127.0.0.1', { 'x-forwarded-for': '' }],
  [
    'IPv6 and IPv4-mapped',
    ['::1', '::ffff:127.0.0.1'],
    '::1',
    { 'x-forwarded-for': '2001:db8::7, ::ffff:127.0.0.1' },
  ],
  [
    'a forwarded Host from a trusted proxy',
    ['loopback'],
    '127.0.0.1',
    { 'x-forwarded-host': 'a.example, b.example' },
  ],
  ['a forwarded Host from anyone else', ['10.0.0.0/8'], '127.0.0.1', { 'x-forwarded-host': 'evil.example' }],
];

describe('client address', () => {
  it.each(CASES)('is what Fastify computes: %s', async (_name, trustProxy, remoteAddress, headers) => {
    const seen = await bothReadings(trustProxy, remoteAddress, headers);
    expect(seen.fromRawHeaders).toEqual(seen.fastify);
    expect(seen.fromHeaders).toEqual(seen.fastify);
  });

  it('answers as proxy-addr does for a request whose socket has already closed (no peer address)', async () => {
    const proxyAddr = (await import('@fastify/proxy-addr')).default;
    const address = createClientAddress(['loopback']);
    for (const forwardedFor of [undefined, '198.51.100.7', '198.51.100.7, 127.0.0.1']) {
      const req = {
        socket: { remoteAddress: undefined },
        headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
      } as unknown as Parameters<typeof address.ip>[0];
      const expected = proxyAddr(req, proxyAddr.compile(['loopback']));
      expect(address.ip(req, { forwardedFor, forwardedHost: undefined })).toBe(expected);
      expect(address.ip(req)).toBe(expected);
    }
  });

  it('gives each request its own client when many pass through one proxy, with trust answers remembered', async () => {
    const address = createClientAddress(['loopback']);
    const socket = { remoteAddress: '127.0.0.1' };
    for (let i = 0; i < 10_000; i += 1) {
      const client = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
      const forwarding = { forwardedFor: `${client}, 127.0.0.${1 + (i % 250)}`, forwardedHost: undefined };
      const req = { socket, headers: {} } as Parameters<typeof address.ip>[0];
      expect(address.ip(req, forwarding)).toBe(client);
    }
  });
});
