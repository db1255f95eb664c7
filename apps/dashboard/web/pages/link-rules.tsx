import { useEffect, useId, useState } from 'react';
import type { Link as ShortLink } from '../link-queries.ts';
import { ErrorText } from '../ui/error-text.tsx';
import { useLinkListEditor } from './link-list-editor.ts';
import {
  DEVICE_TYPES,
  type DeviceType,
  draftOf,
  emptyRule,
  MAX_RULES,
  MAX_VALUES,
  moved,
  type RuleDraft,
  ruleProblem,
  rulesOf,
} from './link-rules.ts';
import './link-rules.css';

type TextField = 'url' | 'country' | 'os' | 'browser' | 'language' | 'queryName' | 'queryValue';

const LIST_FIELDS: readonly { field: TextField; label: string; hint: string }[] = [
  { field: 'country', label: 'Countries', hint: 'Two-letter codes, comma-separated: DE, AT' },
  { field: 'language', label: 'Languages', hint: "The visitor's preferred language: de, fr" },
  { field: 'os', label: 'Operating systems', hint: 'As the stats name them: iOS, Android, Windows, Mac OS' },
  { field: 'browser', label: 'Browsers', hint: 'As the stats name them: Chrome, Mobile Safari, Firefox' },
];

function RuleFields({
  rule,
  index,
  count,
  idBase,
  problem,
  onChange,
  onMove,
  onRemove,
}: {
  rule: RuleDraft;
  index: number;
  count: number;
  idBase: string;
  problem: string | undefined;
  onChange: (patch: Partial<RuleDraft>) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const id = `${idBase}-${rule.key}`;
  const number = index + 1;
  const toggleDevice = (device: DeviceType, on: boolean) =>
    onChange({
      device: on
        ? DEVICE_TYPES.map((d) => d.value).filter((d) => d === device || rule.device.includes(d))
        : rule.device.filter((d) => d !== device),
    });
  return (
    <li className="rule">
      <fieldset
        aria-describedby={problem ? `${id}-problem` : undefined}
        aria-invalid={problem ? true : undefined}
      >
        <legend>Rule {number}</legend>
        <div className="field">
          <label htmlFor={`${id}-url`}>Send to URL</label>
          <input
            id={`${id}-url`}
            type="url"
            inputMode="url"
            value={rule.url}
            placeholder="https://"
            onChange={(event) => onChange({ url: event.target.value })}
          />
        </div>
        <p className="muted rule-when">when every condition given holds:</p>
        <div className="rule-conditions">
          {LIST_FIELDS.map(({ field, label, hint }) => (
            <div className="field" key={field}>
              <label htmlFor={`${id}-${field}`}>{label}</label>
              <input
                id={`${id}-${field}`}
                value={rule[field]}
                aria-describedby={`${id}-${field}-hint`}
                onChange={(event) => onChange({ [field]: event.target.value })}
              />
              <small id={`${id}-${field}-hint`} className="muted">
                {hint}
              </small>
            </div>
          ))}
          <div className="field">
            <label htmlFor={`${id}-queryName`}>Query parameter</label>
            <input
              id={`${id}-queryName`}
              value={rule.queryName}
              aria-describedby={`${id}-queryName-hint`}
              onChange={(event) => onChange({ queryName: event.target.value })}
            />
            <small id={`${id}-queryName-hint`} className="muted">
              A parameter of the short URL, e.g. ref
            </small>
          </div>
          <div className="field">
            <label htmlFor={`${id}-queryValue`}>Parameter value</label>
            <input
              id={`${id}-queryValue`}
              value={rule.queryValue}
              aria-describedby={`${id}-queryValue-hint`}
              onChange={(event) => onChange({ queryValue: event.target.value })}
            />
            <small id={`${id}-queryValue-hint`} className="muted">
              Empty: the parameter only has to be there
            </small>
          </div>
        </div>
        <fieldset className="rule-devices">
          <legend>Devices</legend>
          {DEVICE_TYPES.map(({ value, label }) => (
            <label key={value} className="check">
              <input
                type="checkbox"
                checked={rule.device.includes(value)}
                onChange={(event) => toggleDevice(value, event.target.checked)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {problem && (
          <p role="alert" className="error" id={`${id}-problem`}>
            {problem}
          </p>
        )}
        <div className="actions start rule-actions">
          <button
            type="button"
            className="secondary"
            id={`${id}-up`}
            disabled={index === 0}
            aria-label={`Move rule ${number} up`}
            onClick={() => onMove(-1)}
          >
            Up
          </button>
          <button
            type="button"
            className="secondary"
            id={`${id}-down`}
            disabled={index === count - 1}
            aria-label={`Move rule ${number} down`}
            onClick={() => onMove(1)}
          >
            Down
          </button>
          <button type="button" className="danger" aria-label={`Remove rule ${number}`} onClick={onRemove}>
            Remove
          </button>
        </div>
      </fieldset>
    </li>
  );
}

/**
 * The link's redirect rules (docs/api.md#redirect-rules): an ordered list, each with its conditions and its
 * URL, saved together with PATCH /links/:id. A problem the API finds in one rule (`rules[2].url: …`) shows
 * next to that rule. Keyed by the stored link by its page: after a save it shows what the API kept.
 */
export function RulesEditor({ link }: { link: ShortLink }) {
  const id = useId();
  const editor = useLinkListEditor({
    link,
    field: 'rules',
    draftOf,
    read: (drafts) => {
      const read = rulesOf(drafts);
      return 'problems' in read
        ? { problems: read.problems, problem: 'Some rules need a fix before they can be saved.' }
        : { items: read.rules };
    },
    itemProblem: ruleProblem,
    refusedItem: null,
    words: { failed: 'could not save the rules', saved: 'Rules saved', removed: 'Rules removed' },
  });
  const { drafts: rules, edit, problems, setProblems, problem, saved, submit } = editor;
  // After a move, focus stays on the button that moved the rule (or its twin at the list's end).
  const [focus, setFocus] = useState<{ key: string; by: -1 | 1 } | null>(null);
  useEffect(() => {
    if (!focus) return;
    const pressed = document.getElementById(`${id}-${focus.key}-${focus.by === -1 ? 'up' : 'down'}`);
    const other = document.getElementById(`${id}-${focus.key}-${focus.by === -1 ? 'down' : 'up'}`);
    const target = pressed instanceof HTMLButtonElement && !pressed.disabled ? pressed : other;
    target?.focus();
    setFocus(null);
  }, [focus, id]);

  return (
    <section className="card rules-editor" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Redirect rules</h2>
      <p className="muted">
        Rules are tried in order: the first whose conditions all hold sends the visitor to its URL; everyone
        else goes to the link's destination. Up to {MAX_RULES} rules, {MAX_VALUES} values per condition.
      </p>
      <form onSubmit={submit} noValidate>
        {rules.length === 0 ? (
          <p data-testid="rules-empty">No rules: every visitor goes to {link.url}.</p>
        ) : (
          <ol className="rules">
            {rules.map((rule, index) => (
              <RuleFields
                key={rule.key}
                rule={rule}
                index={index}
                count={rules.length}
                idBase={id}
                problem={problems[index]}
                onChange={(patch) => edit(rules.map((r) => (r.key === rule.key ? { ...r, ...patch } : r)))}
                onMove={(by) => {
                  edit(moved(rules, index, by));
                  setProblems({});
                  setFocus({ key: rule.key, by });
                }}
                onRemove={() => {
                  edit(rules.filter((r) => r.key !== rule.key));
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
            disabled={rules.length >= MAX_RULES}
            onClick={() => {
              const rule = emptyRule();
              edit([...rules, rule]);
              setFocus(null);
              requestAnimationFrame(() => document.getElementById(`${id}-${rule.key}-url`)?.focus());
            }}
          >
            Add rule
          </button>
          <button type="submit" disabled={editor.saving}>
            Save rules
          </button>
        </div>
      </form>
      <ErrorText error={problem} />
      <p role="status">{saved}</p>
    </section>
  );
}
