import { describe, expect, it } from 'vitest';
import { draftOf, emptyRule, moved, ruleProblem, rulesOf, splitList } from './link-rules.ts';

describe('the redirect rules editor', () => {
  it('turns what the person typed into the rules PATCH /links takes', () => {
    const read = rulesOf([
      { ...emptyRule(), url: ' https://shop.example/de ', country: 'de, at,,AT ', language: 'DE' },
      { ...emptyRule(), url: 'https://apps.apple.com/app', os: 'iOS', device: ['mobile', 'tablet'] },
      { ...emptyRule(), url: 'https://shop.example/preview', queryName: ' preview ' },
      { ...emptyRule(), url: 'https://shop.example/mail', queryName: 'ref', queryValue: 'mail' },
    ]);
    expect(read).toEqual({
      rules: [
        { conditions: { country: ['DE', 'AT'], language: ['de'] }, url: 'https://shop.example/de' },
        { conditions: { os: ['iOS'], device: ['mobile', 'tablet'] }, url: 'https://apps.apple.com/app' },
        { conditions: { query: { name: 'preview' } }, url: 'https://shop.example/preview' },
        { conditions: { query: { name: 'ref', value: 'mail' } }, url: 'https://shop.example/mail' },
      ],
    });
  });

  it('says what is wrong with each rule by its position, before asking the API', () => {
    const read = rulesOf([
      { ...emptyRule(), url: 'https://a.example' },
      { ...emptyRule(), url: 'https://b.example', country: 'Germany' },
      { ...emptyRule(), country: 'DE' },
      { ...emptyRule(), url: 'https://c.example', country: 'DE' },
      { ...emptyRule(), url: 'https://d.example', queryValue: 'mail' },
      { ...emptyRule(), url: 'https://e.example', os: 'a,b,c,d,e,f,g,h,i,j,k' },
    ]);
    expect(read).toEqual({
      problems: {
        0: 'Give at least one condition: a rule without one would catch every visitor.',
        1: 'Countries: "Germany" is not valid (two-letter codes such as DE).',
        2: 'Give the URL this rule sends visitors to.',
        4: 'Query parameter: give the name of the parameter the value is for.',
        5: 'Operating systems: at most 10 values.',
      },
    });
  });

  it('shows stored rules as they were typed, and reads them back unchanged', () => {
    const rule = {
      conditions: { country: ['CH'], language: ['de'], query: { name: 'ref', value: 'mail' } },
      url: 'https://shop.example/de-ch',
    };
    const draft = draftOf(rule);
    expect(draft).toMatchObject({ country: 'CH', language: 'de', queryName: 'ref', queryValue: 'mail' });
    expect(rulesOf([draft])).toEqual({ rules: [rule] });
  });

  it("finds the rule an API problem is about, and leaves the link's own problems to the form", () => {
    expect(ruleProblem('rules[2].url: destination domain is blocked')).toEqual({
      index: 2,
      message: 'URL: destination domain is blocked',
    });
    expect(ruleProblem('rules[0].conditions.country[1]: must match pattern "^[A-Za-z]{2}$"')).toEqual({
      index: 0,
      message: 'conditions.country[1]: must match pattern "^[A-Za-z]{2}$"',
    });
    expect(ruleProblem('url: destination domain is blocked')).toBeNull();
  });

  it('moves a rule one place, and nowhere past either end', () => {
    expect(moved(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
    expect(moved(['a', 'b', 'c'], 2, 1)).toEqual(['a', 'b', 'c']);
  });

  it('splits a comma-separated list, once per value whatever its case', () => {
    expect(splitList(' iOS, ios ,Android,, ')).toEqual(['iOS', 'Android']);
  });
});
