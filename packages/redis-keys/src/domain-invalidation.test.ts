import { describe, expect, it } from 'vitest';
import {
  decodeDomainInvalidation,
  encodeDomainInvalidation,
  InvalidDomainInvalidationError,
} from './domain-invalidation.ts';

describe('domain invalidation message', () => {
  it('round-trips a hostname', () => {
    const raw = encodeDomainInvalidation({ hostname: 'go.brand.example' });
    expect(JSON.parse(raw)).toEqual({ v: 1, hostname: 'go.brand.example' });
    expect(decodeDomainInvalidation(raw)).toEqual({ v: 1, hostname: 'go.brand.example' });
  });

  it('refuses to publish a hostname that is not normalised', () => {
    for (const hostname of ['Go.Brand.example', 'go.brand.example:8080', '', 'go.brand.example.']) {
      expect(() => encodeDomainInvalidation({ hostname })).toThrow(InvalidDomainInvalidationError);
    }
  });

  it('reads nothing it does not understand', () => {
    expect(decodeDomainInvalidation('not json')).toBeNull();
    expect(decodeDomainInvalidation(JSON.stringify({ v: 2, hostname: 'a.example' }))).toBeNull();
    expect(decodeDomainInvalidation(JSON.stringify({ v: 1, hostname: 'a.example', extra: 1 }))).toBeNull();
  });
});
