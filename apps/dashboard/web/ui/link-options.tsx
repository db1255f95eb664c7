import { useQuery } from '@tanstack/react-query';
import { useRouteContext } from '@tanstack/react-router';
import { useId } from 'react';
import { campaignsQuery, type Link, linkDomainsQuery } from '../link-queries.ts';

/** What POST /links takes besides url and alias, as the option fields read it. */
export interface LinkOptions {
  domain?: string;
  title?: string;
  tags?: string[];
  expiresAt?: string;
  maxClicks?: number;
  password?: string;
  redirectType?: 301 | 302 | 307 | 308;
  campaignId?: string;
}

export const REDIRECT_TYPES = [
  { value: 302, label: '302 Found (default, temporary)' },
  { value: 301, label: '301 Moved permanently' },
  { value: 307, label: '307 Temporary, keeps the method' },
  { value: 308, label: '308 Permanent, keeps the method' },
] as const;

// The API's bounds (docs/api.md): checked here too so a person hears about them before sending.
const MAX_TAGS = 10;
const MAX_TAG_LENGTH = 32;

/** A datetime-local value is the person's local wall time; the API takes an instant. */
export function localInputToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** An instant shown in a datetime-local field, in the person's local time, to the minute. */
export function isoToLocalInput(iso: string | null): string {
  if (iso === null) return '';
  const time = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

export function parseTags(raw: string): string[] {
  return [
    ...new Set(
      raw
        .split(',')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== ''),
    ),
  ];
}

/**
 * The option fields of a form as the API wants them, or the first problem a person must fix. Empty fields
 * are left out (the API's defaults apply).
 */
export function readLinkOptions(form: FormData): { options: LinkOptions } | { problem: string } {
  const field = (name: string) => String(form.get(name) ?? '').trim();
  const options: LinkOptions = {};
  if (field('domain') !== '') options.domain = field('domain');
  if (field('title') !== '') options.title = field('title');
  const tags = parseTags(field('tags'));
  if (tags.length > MAX_TAGS) return { problem: `tags: at most ${MAX_TAGS}` };
  const long = tags.find((tag) => tag.length > MAX_TAG_LENGTH);
  if (long !== undefined) return { problem: `tags: "${long}" is longer than ${MAX_TAG_LENGTH} characters` };
  if (tags.length > 0) options.tags = tags;
  if (field('expiresAt') !== '') {
    const iso = localInputToIso(field('expiresAt'));
    if (iso === undefined) return { problem: 'expiry: is not a date and time' };
    options.expiresAt = iso;
  }
  if (field('maxClicks') !== '') {
    const cap = Number(field('maxClicks'));
    if (!Number.isInteger(cap) || cap < 1) return { problem: 'click limit: a whole number of 1 or more' };
    options.maxClicks = cap;
  }
  // A password is taken as typed: leading or trailing spaces are part of it.
  const password = String(form.get('password') ?? '');
  if (password !== '') options.password = password;
  const redirect = Number(field('redirectType'));
  if (redirect === 301 || redirect === 302 || redirect === 307 || redirect === 308) {
    options.redirectType = redirect;
  }
  if (field('campaignId') !== '') options.campaignId = field('campaignId');
  return { options };
}

/**
 * The fields of every option POST /links and PATCH /links/:id share, filled from `link` when editing. Field
 * names are what `readLinkOptions` reads.
 */
export function LinkOptionFields({ link }: { link?: Link }) {
  const { api } = useRouteContext({ from: '__root__' });
  const id = useId();
  const domains = useQuery(linkDomainsQuery(api));
  const campaigns = useQuery(campaignsQuery(api));
  const domainChoices = domains.data ?? [];
  const campaignChoices = campaigns.data ?? [];
  const keepsUnlistedDomain =
    link !== undefined && !domainChoices.some((choice) => choice.domain === link.domain);
  const keepsUnlistedCampaign =
    link?.campaignId != null && !campaignChoices.some((campaign) => campaign.id === link.campaignId);

  return (
    <div className="link-options">
      <div className="field">
        <label htmlFor={`${id}-domain`}>Domain</label>
        <select
          id={`${id}-domain`}
          name="domain"
          defaultValue={link?.domain ?? ''}
          key={domainChoices.length}
        >
          {link === undefined && <option value="">Default domain</option>}
          {keepsUnlistedDomain && <option value={link.domain}>{link.domain}</option>}
          {domainChoices.map((choice) => (
            <option key={choice.domain} value={choice.domain}>
              {choice.domain}
              {choice.isDefault ? ' (default)' : choice.kind === 'custom' ? ' (custom)' : ''}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-title`}>Title</label>
        <input id={`${id}-title`} name="title" type="text" maxLength={500} defaultValue={link?.title ?? ''} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-tags`}>Tags</label>
        <input
          id={`${id}-tags`}
          name="tags"
          type="text"
          aria-describedby={`${id}-tags-hint`}
          defaultValue={link?.tags.join(', ') ?? ''}
        />
        <span id={`${id}-tags-hint`} className="muted hint">
          Separated by commas, up to {MAX_TAGS}
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-expires`}>Expires</label>
        <input
          id={`${id}-expires`}
          name="expiresAt"
          type="datetime-local"
          aria-describedby={`${id}-expires-hint`}
          defaultValue={isoToLocalInput(link?.expiresAt ?? null)}
        />
        <span id={`${id}-expires-hint`} className="muted hint">
          Your local time; empty: never
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-cap`}>Click limit</label>
        <input
          id={`${id}-cap`}
          name="maxClicks"
          type="number"
          min={1}
          step={1}
          inputMode="numeric"
          aria-describedby={`${id}-cap-hint`}
          defaultValue={link?.maxClicks ?? ''}
        />
        <span id={`${id}-cap-hint`} className="muted hint">
          Visitors after this many get "gone"; empty: no limit
        </span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>{link?.hasPassword ? 'New password' : 'Password'}</label>
        <input
          id={`${id}-password`}
          name="password"
          type="password"
          autoComplete="new-password"
          maxLength={128}
          aria-describedby={`${id}-password-hint`}
        />
        <span id={`${id}-password-hint`} className="muted hint">
          {link?.hasPassword
            ? 'Protected now; empty keeps the current password'
            : 'Visitors must enter it before they are redirected'}
        </span>
      </div>
      {link?.hasPassword && (
        <div className="field checkbox">
          <input id={`${id}-nopassword`} name="removePassword" type="checkbox" />
          <label htmlFor={`${id}-nopassword`}>Remove the password</label>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-redirect`}>Redirect type</label>
        <select id={`${id}-redirect`} name="redirectType" defaultValue={String(link?.redirectType ?? 302)}>
          {REDIRECT_TYPES.map((type) => (
            <option key={type.value} value={type.value}>
              {type.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-campaign`}>Campaign</label>
        <select
          id={`${id}-campaign`}
          name="campaignId"
          defaultValue={link?.campaignId ?? ''}
          key={campaignChoices.length}
        >
          <option value="">No campaign</option>
          {keepsUnlistedCampaign && <option value={link.campaignId ?? ''}>Campaign {link.campaignId}</option>}
          {campaignChoices.map((campaign) => (
            <option key={campaign.id} value={campaign.id}>
              {campaign.name}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
