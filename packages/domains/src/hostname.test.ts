import { describe, expect, it } from 'vitest';
import { hostnameOfHostHeader, parseHostname } from './hostname.ts';

describe('custom domain hostname', () => {
  it.each([
    ['go.brand.example', 'go.brand.example'],
    ['  Go.Brand.Example. ', 'go.brand.example'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['a-b.c-d.example', 'a-b.c-d.example'],
  ])('normalises %j to %j', (input, expected) => {
    expect(parseHostname(input)).toEqual({ ok: true, hostname: expected });
  });

  it.each([
    '',
    'localhost',
    'https://go.brand.example',
    'go.brand.example:8080',
    'go.brand.example/path',
    'user@go.brand.example',
    '127.0.0.1',
    '[::1]',
    '-bad.example',
    'under_score.example',
    `${'a'.repeat(64)}.example`,
    `${'a.'.repeat(127)}example`,
  ])('refuses %j', (input) => {
    expect(parseHostname(input).ok).toBe(false);
  });

  it('reads a Host header with or without its port', () => {
    expect(hostnameOfHostHeader('Go.Brand.example:8443')).toBe('go.brand.example');
    expect(hostnameOfHostHeader('go.brand.example')).toBe('go.brand.example');
    expect(hostnameOfHostHeader('localhost:8080')).toBeNull();
  });
});
