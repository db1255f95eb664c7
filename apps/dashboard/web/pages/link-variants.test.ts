import { describe, expect, it } from 'vitest';
import { newVariant, sharesOf, type VariantDraft, variantProblem, variantsOf } from './link-variants.ts';

const draft = (name: string, url: string, weight: string): VariantDraft => ({ key: name, name, url, weight });

describe('the A/B split editor', () => {
  it('shows each weight as its share of the visitors', () => {
    expect(sharesOf([draft('a', 'https://a.example', '50'), draft('b', 'https://b.example', '150')])).toEqual(
      [25, 75],
    );
    expect(sharesOf([draft('a', 'https://a.example', '0'), draft('b', 'https://b.example', '3')])).toEqual([
      null,
      100,
    ]);
  });

  it('starts a split with the link itself as the control, and names new variants apart', () => {
    const first = newVariant([], 'https://shop.example');
    expect(first).toMatchObject({ name: 'control', url: 'https://shop.example', weight: '50' });
    const taken = [first, draft('variant-2', '', '50')];
    expect(newVariant(taken, 'https://shop.example')).toMatchObject({ name: 'variant-3', url: '' });
  });

  it('saves 2 to 10 valid variants, and an empty list as the removal of the split', () => {
    expect(
      variantsOf([draft('control', ' https://a.example ', '50'), draft('annual', 'https://b.example', '30')]),
    ).toEqual({
      variants: [
        { name: 'control', url: 'https://a.example', weight: 50 },
        { name: 'annual', url: 'https://b.example', weight: 30 },
      ],
    });
    expect(variantsOf([])).toEqual({ variants: [] });
  });

  it('says what is wrong with which variant before the API is asked', () => {
    const read = variantsOf([
      draft('Control', 'https://a.example', '50'),
      draft('b', 'https://b.example', '1001'),
      draft('b', 'https://c.example', '1'),
      draft('d', '', '1'),
      draft('e', 'https://e.example', '2.5'),
    ]);
    expect(read).toEqual({
      problem: 'Some variants need a fix before the split can be saved.',
      problems: {
        0: 'Name: 1 to 32 of a-z, 0-9, _ and -, starting with a letter or a digit (lower case, no spaces).',
        1: 'Weight: a whole number from 1 to 1000.',
        2: 'Name: "b" is already the name of another variant.',
        3: 'Give the URL this variant sends its visitors to.',
        4: 'Weight: a whole number from 1 to 1000.',
      },
    });
    expect(variantsOf([draft('only', 'https://a.example', '1')])).toEqual({
      problems: {},
      problem: 'A split needs at least 2 variants: add one, or remove the split.',
    });
  });

  it("places the API's problem beside the variant it names", () => {
    expect(variantProblem('variants[1].url: destination domain is blocked')).toEqual({
      index: 1,
      message: 'URL: destination domain is blocked',
    });
    expect(variantProblem('variants: a name is used twice')).toBeNull();
  });
});
