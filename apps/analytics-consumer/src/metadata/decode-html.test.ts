import { describe, expect, it } from 'vitest';
import { decodeHtml } from './decode-html.ts';
import { extractMetadata } from './html-metadata.ts';

const page = new URL('https://example.com/');

function titleOf(body: Buffer, contentType: string): string | null {
  return extractMetadata(decodeHtml(body, contentType), page).title;
}

/** `<title>` + bytes + `</title>`, for encodings whose ASCII range is ASCII. */
function titled(bytes: number[], before = ''): Buffer {
  return Buffer.concat([Buffer.from(`${before}<title>`), Buffer.from(bytes), Buffer.from('</title>')]);
}

describe('decodeHtml', () => {
  it('uses the Content-Type charset', () => {
    expect(titleOf(titled([0xe9]), 'text/html; charset=ISO-8859-1')).toBe('é');
    expect(titleOf(titled([0xe9]), 'text/html; charset="iso-8859-1"')).toBe('é');
  });

  it('decodes windows-1252 bytes 0x80-0x9F (dashes, curly quotes, euro) under every label that means it', () => {
    for (const label of ['windows-1252', 'iso-8859-1', 'latin1', 'us-ascii']) {
      expect(titleOf(titled([0x93, 0x80, 0x96, 0x92, 0x94]), `text/html; charset=${label}`)).toBe('“€–’”');
    }
  });

  it('falls back to a <meta charset> or http-equiv declaration, then UTF-8', () => {
    expect(titleOf(titled([0x80], '<meta charset="windows-1252">'), 'text/html')).toBe('€');
    const httpEquiv = '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">';
    expect(titleOf(titled([0x93, 0xfa, 0x96, 0x7b], httpEquiv), 'text/html')).toBe('日本');
    expect(titleOf(Buffer.from('<title>ü</title>'), 'text/html')).toBe('ü');
    expect(titleOf(Buffer.from('<title>ü</title>'), 'text/html; charset=bogus-label')).toBe('ü');
  });

  it('lets the Content-Type charset win over a <meta> declaration', () => {
    expect(titleOf(titled([0xe9], '<meta charset="utf-8">'), 'text/html; charset=iso-8859-1')).toBe('é');
  });

  it('reads a <meta> claiming UTF-16 as UTF-8: a document readable as ASCII is not UTF-16', () => {
    expect(titleOf(Buffer.from('<meta charset="utf-16"><title>ü</title>'), 'text/html')).toBe('ü');
  });

  it('honours a byte order mark over the Content-Type charset', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>hi ü</title>', 'utf16le')]);
    expect(decodeHtml(utf16, 'text/html; charset=iso-8859-1')).toBe('<title>hi ü</title>');
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<title>ü</title>')]);
    expect(titleOf(utf8, 'text/html; charset=windows-1252')).toBe('ü');
  });

  it('decodes a document cut inside a multi-byte character up to the cut', () => {
    const cut = Buffer.from('<title>Ünïcode</title><p>é').subarray(0, -1);
    expect(titleOf(cut, 'text/html; charset=utf-8')).toBe('Ünïcode');
  });

  it('survives a Content-Type that is not a valid MIME type', () => {
    expect(titleOf(Buffer.from('<title>ü</title>'), 'text/html; charset')).toBe('ü');
    expect(titleOf(Buffer.from('<title>ü</title>'), ';;;')).toBe('ü');
  });
});
