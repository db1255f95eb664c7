import { type CompiledVariants, compileVariants } from '@boltlink/redirect-location/variants';
import type { RedirectLink } from './ports.ts';

/**
 * The A/B split of a cached link, compiled on first use and kept as long as the link value lives (a change
 * replaces the cached object, and with it this entry), like the compiled rules of redirect-rules.ts.
 */
const compiledVariants = new WeakMap<RedirectLink, CompiledVariants>();

function variantsOf(link: RedirectLink & { v: 3 }): CompiledVariants {
  let compiled = compiledVariants.get(link);
  if (compiled === undefined) {
    compiled = compileVariants(link.variants, link.id);
    compiledVariants.set(link, compiled);
  }
  return compiled;
}

/**
 * The index of the visitor's variant, or -1 for a link without a split. Sticky: the same link, IP and
 * User-Agent always give the same variant, on every edge and every day (no clock, no salt, nothing stored).
 * Changing the weights moves the visitors whose bucket changes hands.
 */
export function visitorVariant(link: RedirectLink, ip: string, userAgent: string | undefined): number {
  if (link.v !== 3) return -1;
  return variantsOf(link).pickFor(ip, userAgent);
}
