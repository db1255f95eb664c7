import { MIMEType } from 'node:util';
import { decodeBuffer } from 'encoding-sniffer';

/**
 * Turns HTML bytes into text with the WHATWG encoding sniffing algorithm (byte order mark, then the
 * Content-Type charset, then a `<meta>` declaration in the first 1024 bytes) and the WHATWG decoders,
 * so windows-1252's 0x80-0x9F (curly quotes, euro sign, dashes) and labels such as Shift_JIS or GBK
 * decode as a browser decodes them. An unknown label is ignored like a browser ignores it.
 *
 * Ours: a page that declares nothing is read as UTF-8, not the spec's locale default (windows-1252),
 * because almost every page that forgets its charset today is UTF-8.
 */
export function decodeHtml(body: Buffer, contentType: string): string {
  return decodeBuffer(body, {
    transportLayerEncodingLabel: charsetOf(contentType),
    defaultEncoding: 'utf-8',
  });
}

function charsetOf(contentType: string): string | undefined {
  try {
    return new MIMEType(contentType).params.get('charset') ?? undefined;
  } catch {
    // A Content-Type that is not a valid MIME type declares no charset.
    return undefined;
  }
}
