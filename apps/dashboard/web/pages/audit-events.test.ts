import { describe, expect, it } from 'vitest';
import { type AuditEvent, actionLabel, actorText, namesFrom, targetText } from './audit-events.ts';

const OWNER = '00000000-0000-4000-8000-000000000001';
const ANA = '00000000-0000-4000-8000-000000000002';
const KEY = '00000000-0000-4000-8000-0000000000aa';

function event(partial: Partial<AuditEvent> & Pick<AuditEvent, 'action' | 'target'>): AuditEvent {
  return {
    id: '1',
    details: {},
    actor: { userId: OWNER, email: 'owner@example.com', via: 'session', apiKeyId: null },
    createdAt: '2026-12-07T10:00:00.000Z',
    ...partial,
  };
}

describe('audit events in words', () => {
  it('names every action of the workspace log, and shows an unknown one as the API names it', () => {
    expect(actionLabel('member.role_changed')).toBe('Changed a role');
    expect(actionLabel('invitation.created')).toBe('Invited someone');
    expect(actionLabel('link.archived')).toBe('link.archived');
  });

  it("names a removed member by the email they joined with, since they are gone from today's members", () => {
    const joined = event({
      action: 'member.joined',
      target: { type: 'member', id: ANA },
      actor: { userId: ANA, email: 'ana@example.com', via: 'session', apiKeyId: null },
      details: { role: 'viewer' },
    });
    const changed = event({
      action: 'member.role_changed',
      target: { type: 'member', id: ANA },
      details: { from: 'viewer', to: 'member' },
    });
    const removed = event({
      action: 'member.removed',
      target: { type: 'member', id: ANA },
      details: { role: 'member' },
    });
    const names = namesFrom([removed, changed, joined], [], []);
    expect(targetText(joined, names)).toBe('ana@example.com as viewer');
    expect(targetText(changed, names)).toBe('ana@example.com: viewer → member');
    expect(targetText(removed, names)).toBe('ana@example.com (was member)');
    expect(targetText(removed, namesFrom([removed], [], []))).toBe('a former member (was member)');
  });

  it('tells a session from an API key, by the name the key has or had', () => {
    const viaKey = event({
      action: 'link.created',
      target: { type: 'link', id: 'l1' },
      actor: { userId: OWNER, email: 'owner@example.com', via: 'apiKey', apiKeyId: KEY },
      details: { shortUrl: 'https://s.example/abc', url: 'https://example.com/page' },
    });
    expect(actorText(viaKey, namesFrom([], [], [{ id: KEY, name: 'CI' }]))).toEqual({
      who: 'owner@example.com',
      via: 'API key “CI”',
    });
    const created = event({
      action: 'api_key.created',
      target: { type: 'api_key', id: KEY },
      details: { name: 'old CI' },
    });
    expect(actorText(viaKey, namesFrom([created], [], [])).via).toBe('API key “old CI”');
    expect(actorText(viaKey, namesFrom([], [], [])).via).toBe('an API key no longer listed');
    expect(targetText(viaKey, namesFrom([], [], []))).toBe(
      'https://s.example/abc → https://example.com/page',
    );
  });

  it('lists the changed fields of an update, never values, and survives details of the wrong shape', () => {
    const updated = event({
      action: 'link.updated',
      target: { type: 'link', id: 'l1' },
      details: { fields: ['url', 'password', 7] },
    });
    expect(targetText(updated, namesFrom([], [], []))).toBe('link l1: url, password');
    const odd = event({
      action: 'member.role_changed',
      target: { type: 'member', id: ANA },
      details: { from: 3 },
    });
    expect(targetText(odd, namesFrom([], [], []))).toBe('a member: ? → ?');
  });
});
