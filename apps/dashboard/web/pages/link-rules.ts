import type { components } from '@boltlink/api-client/client';

/** A redirect rule as the API stores it (docs/api.md#redirect-rules). */
export type RedirectRule = components['schemas']['Link']['rules'][number];
export type DeviceType = NonNullable<RedirectRule['conditions']['device']>[number];

/** The API's bounds: at most 20 rules, each condition list 1 to 10 values. */
export const MAX_RULES = 20;
export const MAX_VALUES = 10;

export const DEVICE_TYPES: readonly { value: DeviceType; label: string }[] = [
  { value: 'desktop', label: 'Desktop' },
  { value: 'mobile', label: 'Mobile' },
  { value: 'tablet', label: 'Tablet' },
  { value: 'console', label: 'Console' },
  { value: 'smarttv', label: 'Smart TV' },
  { value: 'wearable', label: 'Wearable' },
  { value: 'embedded', label: 'Embedded' },
  { value: 'bot', label: 'Bot' },
  { value: 'unknown', label: 'Unknown' },
];

/**
 * A rule as the editor holds it: list conditions as the comma-separated text the person typed, devices as
 * the boxes ticked. `key` keeps a rule's fields with it when rules move.
 */
export interface RuleDraft {
  key: string;
  url: string;
  country: string;
  device: DeviceType[];
  os: string;
  browser: string;
  language: string;
  queryName: string;
  queryValue: string;
}

let drafts = 0;
const nextKey = () => {
  drafts += 1;
  return `rule-${drafts}`;
};

export const emptyRule = (): RuleDraft => ({
  key: nextKey(),
  url: '',
  country: '',
  device: [],
  os: '',
  browser: '',
  language: '',
  queryName: '',
  queryValue: '',
});

export function draftOf(rule: RedirectRule): RuleDraft {
  const { conditions } = rule;
  return {
    key: nextKey(),
    url: rule.url,
    country: (conditions.country ?? []).join(', '),
    device: [...(conditions.device ?? [])],
    os: (conditions.os ?? []).join(', '),
    browser: (conditions.browser ?? []).join(', '),
    language: (conditions.language ?? []).join(', '),
    queryName: conditions.query?.name ?? '',
    queryValue: conditions.query?.value ?? '',
  };
}

/** "DE, at,,AT " -> ["DE", "at", "AT"]: comma-separated, blanks dropped, repeats (any case) once. */
export function splitList(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const part of text.split(',')) {
    const value = part.trim();
    if (value === '' || seen.has(value.toLowerCase())) continue;
    seen.add(value.toLowerCase());
    out.push(value);
  }
  return out;
}

const COUNTRY = /^[A-Za-z]{2}$/;
const LANGUAGE = /^[A-Za-z]{2,3}$/;

type Conditions = RedirectRule['conditions'];

/** One rule's API shape, or what is wrong with it in the person's words. */
function ruleOf(draft: RuleDraft): { rule: RedirectRule } | { problem: string } {
  const conditions: Conditions = {};
  const lists = [
    { field: 'country', label: 'Countries', check: COUNTRY, hint: 'two-letter codes such as DE' },
    { field: 'os', label: 'Operating systems', max: 64 },
    { field: 'browser', label: 'Browsers', max: 64 },
    { field: 'language', label: 'Languages', check: LANGUAGE, hint: 'two- or three-letter tags such as de' },
  ] as const;
  for (const list of lists) {
    const values = splitList(draft[list.field]);
    if (values.length === 0) continue;
    if (values.length > MAX_VALUES) return { problem: `${list.label}: at most ${MAX_VALUES} values.` };
    for (const value of values) {
      if ('check' in list && !list.check.test(value)) {
        return { problem: `${list.label}: "${value}" is not valid (${list.hint}).` };
      }
      if ('max' in list && value.length > list.max) {
        return { problem: `${list.label}: each name is at most ${list.max} characters.` };
      }
    }
    conditions[list.field] =
      list.field === 'country'
        ? values.map((v) => v.toUpperCase())
        : list.field === 'language'
          ? values.map((v) => v.toLowerCase())
          : values;
  }
  if (draft.device.length > 0) conditions.device = [...draft.device];
  const queryName = draft.queryName.trim();
  if (queryName !== '') {
    if (queryName.length > 128) return { problem: 'Query parameter: the name is at most 128 characters.' };
    if (draft.queryValue.length > 512)
      return { problem: 'Query parameter: the value is at most 512 characters.' };
    conditions.query =
      draft.queryValue === '' ? { name: queryName } : { name: queryName, value: draft.queryValue };
  } else if (draft.queryValue !== '') {
    return { problem: 'Query parameter: give the name of the parameter the value is for.' };
  }
  if (Object.keys(conditions).length === 0) {
    return { problem: 'Give at least one condition: a rule without one would catch every visitor.' };
  }
  const url = draft.url.trim();
  if (url === '') return { problem: 'Give the URL this rule sends visitors to.' };
  return { rule: { conditions, url } };
}

/** The PATCH body's `rules`, or the problem of each rule that has one (by its position). */
export function rulesOf(
  list: readonly RuleDraft[],
): { rules: RedirectRule[] } | { problems: Record<number, string> } {
  const rules: RedirectRule[] = [];
  const problems: Record<number, string> = {};
  list.forEach((draft, index) => {
    const read = ruleOf(draft);
    if ('problem' in read) problems[index] = read.problem;
    else rules.push(read.rule);
  });
  return Object.keys(problems).length > 0 ? { problems } : { rules };
}

/**
 * The API names the item of a link's list a problem is about (`rules[2].url: destination domain is blocked`,
 * `variants[1].weight: …`, from its checks or its schema): that item's position and the message without the
 * path, its field said with `fieldNames` where one is given, or null for a problem of the list or the link.
 */
export function itemProblem(
  list: 'rules' | 'variants',
  detail: string,
  fieldNames: Readonly<Record<string, string>>,
): { index: number; message: string } | null {
  const match = new RegExp(`^${list}\\[(\\d+)\\](?:\\.([\\w.[\\]]+))?:\\s*(.*)$`, 's').exec(detail);
  if (!match) return null;
  const field = match[2];
  const message = match[3] ?? '';
  const named = field === undefined ? undefined : (fieldNames[field] ?? field);
  return { index: Number(match[1]), message: named ? `${named}: ${message}` : message };
}

/** The rule a problem is about (see itemProblem). */
export function ruleProblem(detail: string): { index: number; message: string } | null {
  return itemProblem('rules', detail, { url: 'URL' });
}

/** Moves the rule at `index` one place up (-1) or down (+1); out of range moves nothing. */
export function moved<T>(list: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return [...list];
  const out = [...list];
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item as T);
  return out;
}
