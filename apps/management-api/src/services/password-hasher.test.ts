import { describe, expect, it } from 'vitest';
import { isWeakerThan, OWASP_ARGON2_MINIMUM } from './password-hasher.ts';

const hashWith = (params: string) => `$argon2id$v=19$${params}$c2FsdHNhbHQ$aGFzaGhhc2g`;

describe('isWeakerThan', () => {
  it('keeps a hash at or above the configured cost', () => {
    expect(isWeakerThan(hashWith('m=19456,p=1,t=2'), OWASP_ARGON2_MINIMUM)).toBe(false);
    expect(isWeakerThan(hashWith('m=65536,p=2,t=3'), OWASP_ARGON2_MINIMUM)).toBe(false);
  });

  it('rehashes when any parameter is below the configured one', () => {
    expect(isWeakerThan(hashWith('m=4096,p=1,t=2'), OWASP_ARGON2_MINIMUM)).toBe(true);
    expect(isWeakerThan(hashWith('m=19456,p=1,t=1'), OWASP_ARGON2_MINIMUM)).toBe(true);
    expect(isWeakerThan(hashWith('m=19456,p=1,t=2'), { ...OWASP_ARGON2_MINIMUM, timeCost: 3 })).toBe(true);
  });

  it('rehashes anything that is not argon2id', () => {
    expect(isWeakerThan('$argon2i$v=19$m=19456,p=1,t=2$c2FsdA$aGFzaA', OWASP_ARGON2_MINIMUM)).toBe(true);
    expect(isWeakerThan('$2b$12$abcdefghijklmnopqrstuv', OWASP_ARGON2_MINIMUM)).toBe(true);
  });
});
