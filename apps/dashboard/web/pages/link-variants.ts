import type { components } from '@boltlink/api-client/client';
import { VARIANT_NAME } from '../ui/stats-filters.ts';
import { itemProblem } from './link-rules.ts';

/** A variant of a link's A/B split as the API stores it (docs/api.md#ab-splits). */
export type Variant = components['schemas']['Link']['variants'][number];

/** The API's bounds: a split has 2 to 10 variants, each weighing 1 to 1000. */
export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 10;
export const MAX_WEIGHT = 1000;

/** A variant as the editor holds it: the weight as typed. `key` keeps a variant's fields with it. */
export interface VariantDraft {
  key: string;
  name: string;
  url: string;
  weight: string;
}

let drafts = 0;
const nextKey = () => {
  drafts += 1;
  return `variant-${drafts}`;
};

export const draftOfVariant = (variant: Variant): VariantDraft => ({
  key: nextKey(),
  name: variant.name,
  url: variant.url,
  weight: String(variant.weight),
});

/**
 * A new variant: the first of a split starts as the link's own destination (the control), the next ones
 * empty, each with a free name and an even weight.
 */
export function newVariant(list: readonly VariantDraft[], linkUrl: string): VariantDraft {
  const taken = new Set(list.map((v) => v.name));
  let number = list.length + 1;
  let name = list.length === 0 ? 'control' : `variant-${number}`;
  while (taken.has(name)) {
    number += 1;
    name = `variant-${number}`;
  }
  return { key: nextKey(), name, url: list.length === 0 ? linkUrl : '', weight: '50' };
}

/** A weight as typed, or null when it is not a whole number from 1 to 1000. */
export function weightOf(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d{1,4}$/.test(trimmed)) return null;
  const weight = Number(trimmed);
  return weight >= 1 && weight <= MAX_WEIGHT ? weight : null;
}

/** Each variant's share of the visitors in percent, or null for a variant whose weight is not valid yet. */
export function sharesOf(list: readonly VariantDraft[]): (number | null)[] {
  const weights = list.map((v) => weightOf(v.weight));
  const sum = weights.reduce<number>((total, w) => total + (w ?? 0), 0);
  return weights.map((w) => (w === null || sum === 0 ? null : (w / sum) * 100));
}

/**
 * The PATCH body's `variants` (`[]` removes the split), or what is wrong: with a variant (by its position),
 * or with the split as a whole.
 */
export function variantsOf(
  list: readonly VariantDraft[],
): { variants: Variant[] } | { problems: Record<number, string>; problem: string } {
  if (list.length === 0) return { variants: [] };
  const problems: Record<number, string> = {};
  const seen = new Set<string>();
  const variants: Variant[] = [];
  list.forEach((draft, index) => {
    const name = draft.name.trim();
    const url = draft.url.trim();
    const weight = weightOf(draft.weight);
    if (!VARIANT_NAME.test(name)) {
      problems[index] =
        'Name: 1 to 32 of a-z, 0-9, _ and -, starting with a letter or a digit (lower case, no spaces).';
    } else if (seen.has(name)) {
      problems[index] = `Name: "${name}" is already the name of another variant.`;
    } else if (url === '') {
      problems[index] = 'Give the URL this variant sends its visitors to.';
    } else if (weight === null) {
      problems[index] = `Weight: a whole number from 1 to ${MAX_WEIGHT}.`;
    }
    seen.add(name);
    if (weight !== null) variants.push({ name, url, weight });
  });
  if (Object.keys(problems).length > 0) {
    return { problems, problem: 'Some variants need a fix before the split can be saved.' };
  }
  if (list.length < MIN_VARIANTS) {
    return {
      problems: {},
      problem: `A split needs at least ${MIN_VARIANTS} variants: add one, or remove the split.`,
    };
  }
  return { variants };
}

/** The variant a problem is about (`variants[1].url: destination domain is blocked`, see itemProblem). */
export function variantProblem(detail: string): { index: number; message: string } | null {
  return itemProblem('variants', detail, { url: 'URL', name: 'Name', weight: 'Weight' });
}
