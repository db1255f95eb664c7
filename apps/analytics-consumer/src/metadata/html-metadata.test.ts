import { describe, expect, it } from 'vitest';
import { decodeHtml } from './decode-html.ts';
import { extractMetadata } from './html-metadata.ts';

const base = new URL('https://example.com/articles/1');

describe('extractMetadata', () => {
  it('reads title, description and og:image, resolving a relative image against the page', () => {
    const html = `<!doctype html><html><head>
      <meta charset="utf-8"><TITLE> Hello &amp; welcome\n  to BoltLink </TITLE>
      <meta name="Description" content="A &quot;short&quot; description">
      <meta property="og:image" content="/img/cover.png" />
      </head><body><title>not this</title></body></html>`;
    expect(extractMetadata(html, base)).toEqual({
      title: 'Hello & welcome to BoltLink',
      description: 'A "short" description',
      image: 'https://example.com/img/cover.png',
    });
  });

  it('falls back to Open Graph title and description', () => {
    const html = `<head><meta property="og:title" content="OG title"><meta property='og:description' content='OG desc'></head>`;
    expect(extractMetadata(html, base)).toMatchObject({
      title: 'OG title',
      description: 'OG desc',
      image: null,
    });
  });

  it('ignores tags inside comments, scripts and attribute values', () => {
    const html = `<head><!-- <title>commented</title> --><script>var s = "<title>scripted</title>";</script>
      <meta name="x" content="<title>attr</title>"><title>Real</title></head>`;
    expect(extractMetadata(html, base).title).toBe('Real');
  });

  it('refuses images that are not http(s) and honours <base href>', () => {
    expect(
      extractMetadata('<meta property="og:image" content="javascript:alert(1)">', base).image,
    ).toBeNull();
    expect(
      extractMetadata(
        '<base href="https://cdn.example.net/a/"><meta property="og:image" content="b.png">',
        base,
      ).image,
    ).toBe('https://cdn.example.net/a/b.png');
  });

  it('caps the title length and decodes numeric references', () => {
    const html = `<title>${'x'.repeat(1000)}</title><meta name="description" content="caf&#233; &#x1F600;">`;
    const metadata = extractMetadata(html, base);
    expect(Array.from(metadata.title ?? '')).toHaveLength(300);
    expect(metadata.description).toBe('café 😀');
  });

  it('survives unclosed tags and hostile input in linear time', () => {
    const hostile = `<head>${'<script '.repeat(50_000)}`;
    const started = performance.now();
    expect(extractMetadata(hostile, base)).toEqual({ title: null, description: null, image: null });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(extractMetadata('<title>unterminated', base).title).toBe('unterminated');
  });
});

describe('decodeHtml', () => {
  it('uses the Content-Type charset', () => {
    const body = Buffer.from([0x3c, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x3e, 0xe9, 0x3c, 0x2f]);
    expect(decodeHtml(body, 'text/html; charset=ISO-8859-1')).toContain('<title>é');
  });

  it('falls back to a <meta charset> declaration, then UTF-8', () => {
    const latin = Buffer.concat([Buffer.from('<meta charset="windows-1252"><title>'), Buffer.from([0x80])]);
    expect(decodeHtml(latin, 'text/html')).toContain('€');
    expect(decodeHtml(Buffer.from('<title>ü</title>'), 'text/html')).toContain('ü');
    expect(decodeHtml(Buffer.from('<title>ü</title>'), 'text/html; charset=bogus-label')).toContain('ü');
  });

  it('honours a byte order mark', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>hi</title>', 'utf16le')]);
    expect(decodeHtml(utf16, 'text/html; charset=iso-8859-1')).toBe('<title>hi</title>');
  });
});
