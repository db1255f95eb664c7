import { startLocalDnsServer } from '@boltlink/local-servers/dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsCheck } from './dns-check.ts';

// A real DNS server on 127.0.0.1 answers; node's resolver asks it over UDP exactly as it would a public one.
const dns = await startLocalDnsServer();
const check = createDnsCheck({ servers: [dns.address], cnameTarget: 'edge.bolt.example', timeoutMs: 1000 });
const TOKEN = 'boltlink-verify-0123456789abcdef';

beforeAll(() => {
  dns.zone.txt.set('_boltlink.txt.brand.example', ['unrelated', TOKEN]);
  dns.zone.txt.set('_boltlink.wrong.brand.example', ['boltlink-verify-someone-else']);
  dns.zone.cname.set('cname.brand.example', 'Edge.Bolt.Example.');
  dns.zone.cname.set('elsewhere.brand.example', 'cdn.other.example');
});
afterAll(() => dns.close());

describe('DNS ownership check', () => {
  it('accepts the TXT record holding the token, among other values', async () => {
    expect(await check.check('txt.brand.example', TOKEN)).toEqual({ verified: true, method: 'txt' });
    expect(dns.queries).toContain('TXT _boltlink.txt.brand.example');
  });

  it('accepts a CNAME to the edge host, whatever its case and trailing dot', async () => {
    expect(await check.check('cname.brand.example', TOKEN)).toEqual({ verified: true, method: 'cname' });
  });

  it('refuses another token and a CNAME elsewhere, saying what it found', async () => {
    expect(await check.check('wrong.brand.example', TOKEN)).toEqual({
      verified: false,
      error:
        "TXT _boltlink.wrong.brand.example does not hold this domain's token; no CNAME record at wrong.brand.example",
    });
    expect(await check.check('elsewhere.brand.example', TOKEN)).toEqual({
      verified: false,
      error:
        'no TXT record at _boltlink.elsewhere.brand.example; CNAME elsewhere.brand.example points at cdn.other.example, not edge.bolt.example',
    });
  });

  it('reports a name with no records at all', async () => {
    expect(await check.check('nothing.brand.example', TOKEN)).toEqual({
      verified: false,
      error: 'no TXT record at _boltlink.nothing.brand.example; no CNAME record at nothing.brand.example',
    });
  });
});
