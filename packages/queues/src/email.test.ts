import { describe, expect, it } from 'vitest';
import { parseEmailJob } from './email.ts';
import { InvalidJobPayloadError } from './payload.ts';

const mail = { v: 1, to: 'ada@example.com', subject: 'Reset your password', text: 'Hello' };

describe('email job payload', () => {
  it('accepts one address, a one-line subject and a text body', () => {
    expect(parseEmailJob(mail)).toEqual(mail);
  });

  it.for([
    ['a list of recipients', { ...mail, to: 'a@example.com,b@example.com' }],
    ['a display name', { ...mail, to: 'Ada <ada@example.com>' }],
    ['a header injected through the subject', { ...mail, subject: 'Hi\r\nBcc: all@example.com' }],
    ['an empty body', { ...mail, text: '' }],
    ['an extra field', { ...mail, html: '<b>hi</b>' }],
    ['an unknown version', { ...mail, v: 2 }],
  ] as const)('refuses %s as a payload no retry can fix', ([, payload]) => {
    expect(() => parseEmailJob(payload)).toThrow(InvalidJobPayloadError);
  });
});
