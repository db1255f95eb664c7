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
  return decoderFor(declared ?? 'utf-8').decode(body);
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
