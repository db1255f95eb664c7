/**
 * Character references in titles and descriptions. Numeric references are decoded fully; named ones
 * cover what shows up in real page titles (the full HTML table has 2,000+ names and is not worth a
 * dependency for three strings). Unknown names are left as written.
 */
const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  ndash: '\u2013',
  mdash: '\u2014',
  hellip: '\u2026',
  lsquo: '\u2018',
  rsquo: '\u2019',
  sbquo: '\u201a',
  ldquo: '\u201c',
  rdquo: '\u201d',
  bdquo: '\u201e',
  laquo: '\u00ab',
  raquo: '\u00bb',
  middot: '\u00b7',
  bull: '\u2022',
  copy: '\u00a9',
  reg: '\u00ae',
  trade: '\u2122',
  deg: '\u00b0',
  euro: '\u20ac',
  pound: '\u00a3',
  yen: '\u00a5',
  cent: '\u00a2',
  sect: '\u00a7',
  para: '\u00b6',
  times: '\u00d7',
  divide: '\u00f7',
  agrave: '\u00e0',
  aacute: '\u00e1',
  acirc: '\u00e2',
  auml: '\u00e4',
  aring: '\u00e5',
  ccedil: '\u00e7',
  egrave: '\u00e8',
  eacute: '\u00e9',
  ecirc: '\u00ea',
  euml: '\u00eb',
  iacute: '\u00ed',
  icirc: '\u00ee',
  iuml: '\u00ef',
  ntilde: '\u00f1',
  oacute: '\u00f3',
  ocirc: '\u00f4',
  ouml: '\u00f6',
  oslash: '\u00f8',
  uacute: '\u00fa',
  ucirc: '\u00fb',
  uuml: '\u00fc',
  szlig: '\u00df',
  Agrave: '\u00c0',
  Aacute: '\u00c1',
  Auml: '\u00c4',
  Ccedil: '\u00c7',
  Eacute: '\u00c9',
  Ntilde: '\u00d1',
  Ouml: '\u00d6',
  Uuml: '\u00dc',
};

const REFERENCE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));?/g;

export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return NAMED[name] ?? whole;
    const codePoint = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
    // Surrogates, NUL and out-of-range values become U+FFFD, as a browser does.
    if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff))
      return '\ufffd';
    return String.fromCodePoint(codePoint);
  });
}
