import { TextDecoder } from 'node:util';

/**
 * Turns HTML bytes into text the way a browser would pick the encoding, simplified: byte order mark,
 * then the Content-Type charset, then a <meta> declaration in the first 1024 bytes, then UTF-8.
 * TextDecoder knows the WHATWG encoding labels (with Node's full ICU: windows-1252, Shift_JIS, GBK...);
 * an unknown label falls back to UTF-8 instead of failing the fetch.
 */
export function decodeHtml(body: Buffer, contentType: string): string {
  const bom = bomEncoding(body);
  if (bom !== null) return decoderFor(bom).decode(body.subarray(bom === 'utf-8' ? 3 : 2));

  const declared = charsetFromContentType(contentType) ?? charsetFromMeta(body);
  const decoder = decoderFor(declared ?? 'utf-8');
  // Node 20's windows-1252 decoder (also used for the iso-8859-1 and latin1 labels) drops bytes
  // 0x80-0x9F instead of mapping them (curly quotes, euro sign, dashes: common in page titles).
  return decoder.encoding === 'windows-1252' ? decodeWindows1252(body) : decoder.decode(body);
}

// Code points of bytes 0x80-0x9F in windows-1252 (WHATWG encoding index); undefined bytes map to C1 controls.
const WINDOWS_1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
];

function decodeWindows1252(body: Buffer): string {
  return body
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (ch) =>
      String.fromCharCode(WINDOWS_1252_HIGH[ch.charCodeAt(0) - 0x80] ?? 0xfffd),
    );
}

function bomEncoding(body: Buffer): string | null {
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body.length >= 2 && body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body.length >= 2 && body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return null;
}

export function charsetFromContentType(contentType: string): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase() ?? null;
}

function charsetFromMeta(body: Buffer): string | null {
  // latin1 maps bytes 1:1, so ASCII markup is readable whatever the real encoding is.
  const head = body.subarray(0, 1024).toString('latin1');
  const match = /<meta\b[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head);
  const label = match?.[1]?.toLowerCase();
  if (label === undefined) return null;
  // A document that could be read as ASCII to find this tag is not UTF-16 (HTML spec rule).
  return label.startsWith('utf-16') ? 'utf-8' : label;
}

function decoderFor(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder('utf-8');
  }
}
