import { describe, expect, it } from 'vitest';
import {
  decodeBlocklistChange,
  encodeBlocklistChange,
  isBlockedDestination,
  isBlockedHostname,
} from './blocked-destinations.ts';

describe('blocked destinations', () => {
  const blocked = new Set(['evil.example', 'phish.test']);

  it('blocks the host and its subdomains, not lookalike suffixes or parents', () => {
    expect(isBlockedHostname('evil.example', blocked)).toBe(true);
    expect(isBlockedHostname('a.b.evil.example', blocked)).toBe(true);
    expect(isBlockedHostname('evil.example.', blocked)).toBe(true);
    expect(isBlockedHostname('notevil.example', blocked)).toBe(false);
    expect(isBlockedHostname('example', blocked)).toBe(false);
    expect(isBlockedHostname('evil.example.com', blocked)).toBe(false);
  });

  it('reads the host of a destination URL as the WHATWG parser does', () => {
    expect(isBlockedDestination('https://WWW.Evil.Example:8443/path?q=1', blocked)).toBe(true);
    expect(isBlockedDestination('https://user@phish.test/', blocked)).toBe(true);
    expect(isBlockedDestination('https://example.com/evil.example', blocked)).toBe(false);
    expect(isBlockedDestination('not a url', blocked)).toBe(false);
    expect(isBlockedDestination('https://evil.example/', new Set())).toBe(false);
  });

  it('round-trips the change message and refuses others', () => {
    expect(decodeBlocklistChange(encodeBlocklistChange())).toEqual({ v: 1 });
    expect(decodeBlocklistChange('{"v":2}')).toBeNull();
    expect(decodeBlocklistChange('nope')).toBeNull();
  });
});
