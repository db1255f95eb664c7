import { type Static, Type } from 'typebox';

/**
 * A/B split of a link: an ordered list of named destinations with integer weights. A visitor gets one variant
 * by a hash of (link id, IP, User-Agent), so they keep it on every request (and across days: unlike the
 * stored visitor hash, this input has no daily salt) without anything stored about them. One shape for the
 * API (which validates it at its boundary), the cached link (the edge's wire format) and the edge's pick,
 * which is compiled once per cached link (`compileVariants`).
 */

export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 10;
export const MAX_VARIANT_WEIGHT = 1000;
/** The variant names a click and the stats carry: short, URL- and CSV-safe. */
export const VARIANT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$';
const VARIANT_NAME = new RegExp(VARIANT_NAME_PATTERN);

export function isVariantName(value: string): boolean {
  return VARIANT_NAME.test(value);
}

export const LinkVariant = Type.Object(
  {
    name: Type.String({
      pattern: VARIANT_NAME_PATTERN,
      description: 'Unique within the link: 1 to 32 of a-z 0-9 _ -, starting with a letter or digit',
    }),
    url: Type.String({
      minLength: 1,
      maxLength: 8192,
      description: 'Destination of the visitors of this variant',
    }),
    weight: Type.Integer({
      minimum: 1,
      maximum: MAX_VARIANT_WEIGHT,
      description: "Share of visitors: this weight over the sum of the link's weights",
    }),
  },
  { additionalProperties: false },
);
export type LinkVariant = Static<typeof LinkVariant>;

/** A split as stored and cached: 2 to 10 variants. */
export const LinkVariants = Type.Array(LinkVariant, { minItems: MIN_VARIANTS, maxItems: MAX_VARIANTS });

/** The variants of one link, ready to run: `pick` gives the index of the visitor's variant. */
export interface CompiledVariants {
  readonly variants: readonly LinkVariant[];
  /** `hash` is an unsigned 32-bit hash of the visitor (`visitorBucketHash`). */
  pick(hash: number): number;
  /**
   * The visitor's variant on the link compiled for (`linkId`): `pick(visitorBucketHash(linkId, ip, userAgent))`
   * with the link's part of the hash computed once, at compile time.
   */
  pickFor(ip: string, userAgent: string | undefined): number;
}

export function compileVariants(variants: readonly LinkVariant[], linkId = ''): CompiledVariants {
  // Cumulative upper bounds: variant i holds the buckets [bounds[i-1], bounds[i]).
  const bounds = new Uint32Array(variants.length);
  let total = 0;
  for (let i = 0; i < variants.length; i += 1) {
    total += (variants[i] as LinkVariant).weight;
    bounds[i] = total;
  }
  const last = variants.length - 1;
  const pick = (hash: number): number => {
    if (total === 0) return last;
    const bucket = hash % total;
    for (let i = 0; i < last; i += 1) {
      if (bucket < (bounds[i] as number)) return i;
    }
    return last;
  };
  const seed = linkSeed(linkId);
  return {
    variants,
    pick,
    pickFor: (ip, userAgent) => pick(visitorHash(seed, ip, userAgent)),
  };
}

/**
 * A fast non-cryptographic hash (FNV-1a over the UTF-16 code units, then murmur3's finaliser so the low bits
 * taken by `% total` are well mixed) of the link and the visitor. Nothing about it is secret or stored: it
 * only has to be stable (the same visitor, the same variant, on every edge and every day) and spread evenly.
 */
export function visitorBucketHash(linkId: string, ip: string, userAgent: string | undefined): number {
  return visitorHash(linkSeed(linkId), ip, userAgent);
}

/** The hash's state after the link id and its separator: the same for every visitor of the link. */
function linkSeed(linkId: string): number {
  return Math.imul(fnv(0x811c9dc5, linkId) ^ 0x0a, 0x01000193);
}

function visitorHash(seed: number, ip: string, userAgent: string | undefined): number {
  let h = fnv(seed, ip);
  h = Math.imul(h ^ 0x0a, 0x01000193);
  if (userAgent !== undefined) h = fnv(h, userAgent);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function fnv(seed: number, text: string): number {
  let h = seed;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h;
}
