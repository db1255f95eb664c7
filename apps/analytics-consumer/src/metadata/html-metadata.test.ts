import { describe, expect, it } from 'vitest';
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

  it('survives unclosed tags and hostile input', () => {
    const hostile = `<head>${'<script '.repeat(50_000)}`;
    expect(extractMetadata(hostile, base)).toEqual({ title: null, description: null, image: null });
    expect(extractMetadata('<title>unterminated', base).title).toBe('unterminated');
  });

  it('leaves a query parameter named like a legacy entity alone in an attribute (&reg=, &copy=)', () => {
    const html = `<meta property="og:image" content="https://cdn.example.com/card.png?w=1200&reg=eu&copy=1&amp;v=2">`;
    expect(extractMetadata(html, base).image).toBe(
      'https://cdn.example.com/card.png?w=1200&reg=eu&copy=1&v=2',
    );
  });

  it('still decodes legacy references in attributes where a browser does (&copy 2026, &copy;)', () => {
    const html = `<meta name="description" content="&copy 2026 &copy; BoltLink &amp; friends">`;
    expect(extractMetadata(html, base).description).toBe('© 2026 © BoltLink & friends');
  });

  it('decodes &#150; and &#146; as the windows-1252 characters a browser shows, not control characters', () => {
    const html = `<title>Q&#146;s update &#150; 2026</title><meta name="description" content="a &#151; b &#128;">`;
    expect(extractMetadata(html, base)).toMatchObject({
      title: 'Q’s update – 2026',
      description: 'a — b €',
    });
  });

  it('decodes the full table of named references', () => {
    const html = `<title>&Oacute;&scaron;&hearts;&rarr;&NotEqualTilde;</title>`;
    expect(extractMetadata(html, base).title).toBe('Óš♥→≂̸');
  });

  it('keeps what a truncated document already said', () => {
    const cutInTag = `<head><title>Kept</title><meta property="og:image" content="/a.png"><meta name="description" content="cut he`;
    expect(extractMetadata(cutInTag, base)).toEqual({
      title: 'Kept',
      description: null,
      image: 'https://example.com/a.png',
    });
    expect(extractMetadata('<head><meta name="description" content="Kept too"><title>Cut', base)).toEqual({
      title: 'Cut',
      description: 'Kept too',
      image: null,
    });
  });

  it('reads only the head: metadata inside <body>, <template> and <noscript> does not count', () => {
    const html = `<head><template><title>template</title></template><noscript><meta name="description" content="noscript"></noscript>
      </head><body><meta name="description" content="body"><title>body</title>`;
    expect(extractMetadata(html, base)).toEqual({ title: null, description: null, image: null });
  });

  it('prefers <title> to og:title, falls back when <title> is empty, and the first <base> counts', () => {
    const html = `<base href="https://cdn.example.net/a/"><base href="https://other.example/"><title> </title>
      <meta property="og:title" content="From OG"><meta property="og:image" content="b.png">`;
    expect(extractMetadata(html, base)).toMatchObject({
      title: 'From OG',
      image: 'https://cdn.example.net/a/b.png',
    });
  });
});
