import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { licenceAllowed, violations } from './policy.ts';

describe('licence policy', () => {
  it('allows the permissive licences the workspace uses', () => {
    for (const licence of [
      'MIT',
      'ISC',
      'Apache-2.0',
      'BSD-3-Clause',
      'BlueOak-1.0.0',
      'Unlicense',
      '0BSD',
    ]) {
      assert.equal(licenceAllowed(licence), true, licence);
    }
  });

  it('refuses AGPL, GPL, LGPL, SSPL and source-available licences', () => {
    for (const licence of [
      'AGPL-3.0',
      'AGPL-3.0-or-later',
      'GPL-2.0',
      'GPL-3.0-only',
      'LGPL-2.1',
      'LGPL-3.0-or-later',
      'SSPL-1.0',
      'RSALv2',
      'BUSL-1.1',
      'Elastic-2.0',
    ]) {
      assert.equal(licenceAllowed(licence), false, licence);
    }
  });

  it('reads SPDX expressions: one allowed choice is enough, every part of a conjunction must be allowed', () => {
    assert.equal(licenceAllowed('(MIT AND Zlib)'), true);
    assert.equal(licenceAllowed('(MIT OR GPL-3.0)'), true);
    assert.equal(licenceAllowed('MIT AND GPL-3.0'), false);
    assert.equal(licenceAllowed('(AGPL-3.0 OR SSPL-1.0)'), false);
    assert.equal(licenceAllowed('Apache-2.0 WITH LLVM-exception'), true);
    assert.equal(licenceAllowed('(MIT OR Apache-2.0) AND BSD-3-Clause'), true);
  });

  it('refuses what nobody has read: no licence, UNKNOWN, a pointer to a file', () => {
    for (const licence of ['', 'UNKNOWN', 'SEE LICENSE IN LICENSE.md', '(MIT', 'MIT OR']) {
      assert.equal(licenceAllowed(licence), false, JSON.stringify(licence));
    }
  });

  it('names every package outside the policy with its versions and licence', () => {
    const found = violations([
      { name: 'isbot', versions: ['5.1.0'], license: 'Unlicense' },
      { name: 'ua-parser-js', versions: ['2.0.4'], license: 'AGPL-3.0-or-later' },
      { name: 'mystery', versions: ['1.0.0', '1.1.0'], license: '' },
    ]);
    assert.deepEqual(found, [
      'mystery@1.0.0, 1.1.0: (no licence field)',
      'ua-parser-js@2.0.4: AGPL-3.0-or-later',
    ]);
  });
});
