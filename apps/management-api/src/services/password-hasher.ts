import argon2 from 'argon2';

export interface Argon2Params {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's minimum for argon2id; configuration may only raise these. */
export const OWASP_ARGON2_MINIMUM: Argon2Params = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  needsRehash(hash: string): boolean;
  /**
   * Spends the same time as a real verify against nothing, so a login for an unknown email
   * costs what a wrong password costs.
   */
  dummyVerify(password: string): Promise<void>;
}

/**
 * True when the stored hash is not argon2id or uses a lower cost than `params`. Only rising parameters
 * trigger a rehash: an instance still on older settings (rolling deploy) must not downgrade hashes.
 */
export function isWeakerThan(hash: string, params: Argon2Params): boolean {
  const match = /^\$argon2id\$v=\d+\$([^$]+)\$/.exec(hash);
  if (!match?.[1]) return true;
  const stored = new Map(
    match[1].split(',').map((pair) => {
      const [name = '', value = ''] = pair.split('=');
      return [name, Number(value)] as const;
    }),
  );
  const below = (name: string, wanted: number) => !((stored.get(name) ?? 0) >= wanted);
  return below('m', params.memoryCost) || below('t', params.timeCost) || below('p', params.parallelism);
}

export function createPasswordHasher(params: Argon2Params): PasswordHasher {
  const options = { type: argon2.argon2id, ...params } as const;
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= argon2.hash('boltlink-dummy-password-for-timing', options);
    return dummyHash;
  };
  return {
    hash: (password) => argon2.hash(password, options),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password);
      } catch {
        // A malformed stored hash is a failed verification, never a 500 that reveals the account exists.
        return false;
      }
    },
    needsRehash: (hash) => isWeakerThan(hash, params),
    async dummyVerify(password) {
      await argon2.verify(await dummy(), password).catch(() => false);
    },
  };
}
