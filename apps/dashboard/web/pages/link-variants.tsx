import { useId } from 'react';
import type { Link as ShortLink } from '../link-queries.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { useLinkListEditor } from './link-list-editor.ts';
import {
  draftOfVariant,
  MAX_VARIANTS,
  MAX_WEIGHT,
  MIN_VARIANTS,
  newVariant,
  sharesOf,
  type VariantDraft,
  variantProblem,
  variantsOf,
} from './link-variants.ts';
import './link-rules.css';

const percent = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

function VariantFields({
  variant,
  index,
  share,
  idBase,
  problem,
  onChange,
  onRemove,
}: {
  variant: VariantDraft;
  index: number;
  share: number | null;
  idBase: string;
  problem: string | undefined;
  onChange: (patch: Partial<VariantDraft>) => void;
  onRemove: () => void;
}) {
  const id = `${idBase}-${variant.key}`;
  const number = index + 1;
  return (
    <li className="rule">
      <fieldset
        aria-describedby={problem ? `${id}-problem` : undefined}
        aria-invalid={problem ? true : undefined}
      >
        <legend>Variant {number}</legend>
        <div className="variant-fields">
          <div className="field">
            <label htmlFor={`${id}-name`}>Name</label>
            <input
              id={`${id}-name`}
              value={variant.name}
              maxLength={32}
              autoCapitalize="none"
              spellCheck={false}
              aria-describedby={`${id}-name-hint`}
              onChange={(event) => onChange({ name: event.target.value })}
            />
            <small id={`${id}-name-hint`} className="muted">
              a-z, 0-9, _ and -, as the stats will show it
            </small>
          </div>
          <div className="field variant-url">
            <label htmlFor={`${id}-url`}>URL</label>
            <input
              id={`${id}-url`}
              type="url"
              inputMode="url"
              value={variant.url}
              placeholder="https://"
              onChange={(event) => onChange({ url: event.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={`${id}-weight`}>Weight</label>
            <input
              id={`${id}-weight`}
              type="number"
              inputMode="numeric"
              min={1}
              max={MAX_WEIGHT}
              step={1}
              value={variant.weight}
              aria-describedby={`${id}-share`}
              onChange={(event) => onChange({ weight: event.target.value })}
            />
            <small id={`${id}-share`} className="muted" data-testid="variant-share">
              {share === null ? `1 to ${MAX_WEIGHT}` : `${percent.format(share)} % of visitors`}
            </small>
          </div>
        </div>
        {problem && (
          <p role="alert" className="error" id={`${id}-problem`}>
            {problem}
          </p>
        )}
        <div className="actions start">
          <button type="button" className="danger" aria-label={`Remove variant ${number}`} onClick={onRemove}>
            Remove
          </button>
        </div>
      </fieldset>
    </li>
  );
}

/**
 * The link's A/B split (docs/api.md#ab-splits): 2 to 10 variants, each a name, a URL and a weight (its share
 * shown as a percentage), saved with PATCH /links/:id; an empty list removes the split. A problem the API
 * finds with one variant (`variants[1].url: …`) shows next to that variant.
 */
export function VariantsEditor({ link }: { link: ShortLink }) {
  const id = useId();
  const editor = useLinkListEditor({
    link,
    field: 'variants',
    draftOf: draftOfVariant,
    read: (drafts) => {
      const read = variantsOf(drafts);
      return 'problems' in read ? read : { items: read.variants };
    },
    itemProblem: variantProblem,
    refusedItem: 'The split was not saved: a variant needs a fix.',
    words: { failed: 'could not save the split', saved: 'Split saved', removed: 'Split removed' },
  });
  const { drafts: variants, edit, problems, setProblems, problem, setProblem, saved, submit } = editor;
  const shares = sharesOf(variants);
  const focusLater = (elementId: string) =>
    requestAnimationFrame(() => document.getElementById(elementId)?.focus());

  return (
    <section className="card rules-editor" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>A/B split</h2>
      <p className="muted">
        Share the link's visitors among {MIN_VARIANTS} to {MAX_VARIANTS} destinations: each variant gets its
        weight's share of them, and a visitor keeps their variant. Redirect rules come first; the stats count
        clicks per variant.
      </p>
      <form onSubmit={submit} noValidate>
        {variants.length === 0 ? (
          <p data-testid="variants-empty">No split: every visitor goes to {link.url}.</p>
        ) : (
          <ol className="rules">
            {variants.map((variant, index) => (
              <VariantFields
                key={variant.key}
                variant={variant}
                index={index}
                share={shares[index] ?? null}
                idBase={id}
                problem={problems[index]}
                onChange={(patch) =>
                  edit(variants.map((v) => (v.key === variant.key ? { ...v, ...patch } : v)))
                }
                onRemove={() => {
                  edit(variants.filter((v) => v.key !== variant.key));
                  setProblems({});
                  document.getElementById(`${id}-add`)?.focus();
                }}
              />
            ))}
          </ol>
        )}
        <div className="actions start">
          <button
            type="button"
            className="secondary"
            id={`${id}-add`}
            disabled={variants.length >= MAX_VARIANTS}
            onClick={() => {
              // A split starts with two: the link's own destination and the one to test against it.
              const first = variants.length === 0 ? [newVariant([], link.url)] : variants;
              const added = newVariant(first, link.url);
              edit([...first, added]);
              focusLater(`${id}-${added.key}-url`);
            }}
          >
            {variants.length === 0 ? 'Start a split' : 'Add variant'}
          </button>
          {variants.length > 0 && (
            <button
              type="button"
              className="secondary"
              onClick={() => {
                edit([]);
                setProblems({});
                setProblem(null);
                focusLater(`${id}-add`);
              }}
            >
              Remove the split
            </button>
          )}
          <button type="submit" disabled={editor.saving}>
            Save split
          </button>
        </div>
      </form>
      <ErrorText error={problem} />
      <p role="status">{saved}</p>
    </section>
  );
}
