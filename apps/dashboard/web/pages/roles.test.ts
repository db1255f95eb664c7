import { describe, expect, it } from 'vitest';
import { assignableRoles } from './roles.ts';

describe('the roles a manager is offered for a member', () => {
  it('offers an owner every role, the owner role included', () => {
    expect(assignableRoles('owner', 'viewer')).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(assignableRoles('owner', 'owner')).toEqual(['owner', 'admin', 'member', 'viewer']);
  });

  it("offers an admin every role but owner, and nothing for an owner's row", () => {
    expect(assignableRoles('admin', 'member')).toEqual(['admin', 'member', 'viewer']);
    expect(assignableRoles('admin', 'owner')).toEqual([]);
  });

  it('offers members and viewers nothing', () => {
    expect(assignableRoles('member', 'viewer')).toEqual([]);
    expect(assignableRoles('viewer', 'viewer')).toEqual([]);
  });
});
