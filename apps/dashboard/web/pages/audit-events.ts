import type { components } from '@boltlink/api-client/client';
import { ROLE_LABELS, type Role } from './roles.ts';

export type AuditEvent = components['schemas']['AuditEvent'];

/** Names the page knows for ids it meets in events: members' emails, API keys' names. */
export interface KnownNames {
  people: ReadonlyMap<string, string>;
  apiKeys: ReadonlyMap<string, string>;
}

/** Each action of docs/workspaces.md as a person reads it. An action added later shows as the API names it. */
const ACTIONS: Record<string, string> = {
  'link.created': 'Created a link',
  'link.updated': 'Changed a link',
  'link.deleted': 'Deleted a link',
  'campaign.created': 'Created a campaign',
  'campaign.updated': 'Changed a campaign',
  'campaign.deleted': 'Deleted a campaign',
  'api_key.created': 'Created an API key',
  'api_key.revoked': 'Revoked an API key',
  'member.joined': 'Joined the workspace',
  'member.role_changed': 'Changed a role',
  'member.removed': 'Removed a member',
  'invitation.created': 'Invited someone',
  'invitation.revoked': 'Revoked an invitation',
  'workspace.created': 'Created the workspace',
  'workspace.renamed': 'Renamed the workspace',
  'domain.added': 'Added a domain',
  'domain.verified': 'Verified a domain',
  'domain.updated': 'Changed a domain',
  'domain.removed': 'Removed a domain',
};

export const actionLabel = (action: string): string => ACTIONS[action] ?? action;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const roleText = (value: unknown): string | undefined =>
  typeof value === 'string' && value in ROLE_LABELS ? ROLE_LABELS[value as Role].toLowerCase() : undefined;

/**
 * What an event acted on, in words: the details the API recorded (never secret values, docs/workspaces.md),
 * else the names the page knows, else the kind of target and its id.
 */
export function targetText(event: AuditEvent, names: KnownNames): string {
  const d = event.details;
  const person = names.people.get(event.target.id);
  switch (event.action) {
    case 'link.created':
      return [text(d.shortUrl), text(d.url)].filter(Boolean).join(' → ') || `link ${event.target.id}`;
    case 'link.updated':
    case 'campaign.updated':
    case 'domain.updated': {
      const fields = Array.isArray(d.fields) ? d.fields.filter((f) => typeof f === 'string') : [];
      const what = `${event.target.type} ${event.target.id}`;
      return fields.length > 0 ? `${what}: ${fields.join(', ')}` : what;
    }
    case 'campaign.created':
      return text(d.name) ?? `campaign ${event.target.id}`;
    case 'api_key.created':
      return [text(d.name), text(d.prefix) && `(${d.prefix}…)`].filter(Boolean).join(' ') || 'API key';
    case 'api_key.revoked':
      return names.apiKeys.get(event.target.id) ?? `API key ${event.target.id}`;
    case 'member.joined':
      return `${person ?? event.actor.email ?? 'a member'}${roleText(d.role) ? ` as ${roleText(d.role)}` : ''}`;
    case 'member.role_changed':
      return `${person ?? 'a member'}: ${roleText(d.from) ?? '?'} → ${roleText(d.to) ?? '?'}`;
    case 'member.removed':
      return `${person ?? 'a former member'}${roleText(d.role) ? ` (was ${roleText(d.role)})` : ''}`;
    case 'invitation.created':
      return `${text(d.email) ?? 'someone'}${roleText(d.role) ? ` as ${roleText(d.role)}` : ''}`;
    case 'invitation.revoked':
      return text(d.email) ?? `invitation ${event.target.id}`;
    case 'workspace.created':
    case 'workspace.renamed':
      return text(d.name) ? `“${d.name}”` : 'the workspace';
    case 'domain.added':
      return text(d.hostname) ?? `domain ${event.target.id}`;
    default:
      return `${event.target.type} ${event.target.id}`;
  }
}

/** Who acted, and how: in a browser or CLI session, or through which API key. */
export function actorText(event: AuditEvent, names: KnownNames): { who: string; via: string } {
  const who = event.actor.email ?? 'a deleted account';
  if (event.actor.via === 'session') return { who, via: 'signed in' };
  const key = event.actor.apiKeyId ? names.apiKeys.get(event.actor.apiKeyId) : undefined;
  return { who, via: key ? `API key “${key}”` : 'an API key no longer listed' };
}

/**
 * Names learnt from the events themselves: who joined (the actor of member.joined is the member), what a
 * key was called when it was made. They name members and keys that are gone from the current lists.
 */
export function namesFrom(
  events: readonly AuditEvent[],
  members: readonly { userId: string; email: string }[],
  apiKeys: readonly { id: string; name: string }[],
): KnownNames {
  const people = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const event of events) {
    if (event.action === 'member.joined' && event.actor.email) people.set(event.target.id, event.actor.email);
    if (event.action === 'api_key.created' && text(event.details.name)) {
      keys.set(event.target.id, String(event.details.name));
    }
  }
  for (const member of members) people.set(member.userId, member.email);
  for (const key of apiKeys) keys.set(key.id, key.name);
  return { people, apiKeys: keys };
}
