import { type Static, Type } from 'typebox';
import { DEFAULT_PAGE_SIZE, Uuid } from './common.ts';

export const AdminUserSchema = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    isAdmin: Type.Boolean({ description: 'An instance admin' }),
    disabledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'When an admin disabled the account; null while it is enabled',
    }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'AdminUser', title: 'User (as instance admins see it)' },
);
export type AdminUserView = Static<typeof AdminUserSchema>;

export const AdminUserQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(
      Type.String({ minLength: 1, maxLength: 320, description: 'nextCursor of the previous page' }),
    ),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 320, description: 'Part of the email, case-insensitive' }),
    ),
  },
  { additionalProperties: false },
);

export const CreateUserBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, description: 'Trimmed and lower-cased' }),
    password: Type.String({ minLength: 8, maxLength: 256 }),
    isAdmin: Type.Optional(
      Type.Boolean({ default: false, description: 'Make the new user an instance admin' }),
    ),
  },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    disabled: Type.Optional(
      Type.Boolean({
        description: 'true disables the account (sessions and API keys stop at once); false re-enables it',
      }),
    ),
    isAdmin: Type.Optional(
      Type.Boolean({ description: 'Grant or revoke instance admin; the last enabled admin cannot lose it' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const InstanceAuditEventSchema = Type.Object(
  {
    id: Type.String({ description: 'Increasing; newer events have larger ids' }),
    action: Type.String({ description: 'e.g. user.disabled, link.blocked (docs/administration.md)' }),
    target: Type.Object({ type: Type.String(), id: Type.String() }),
    actor: Type.Object({
      userId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
      email: Type.Union([Type.String(), Type.Null()], { description: 'Null once the user is gone' }),
    }),
    details: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'InstanceAuditEvent', title: 'Instance audit log event' },
);
export type InstanceAuditEventView = Static<typeof InstanceAuditEventSchema>;

export const BlockedDestinationSchema = Type.Object(
  {
    hostname: Type.String({ description: 'Blocked with all its subdomains' }),
    reason: Type.Union([Type.String(), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'BlockedDestination', title: 'Blocked destination host name' },
);
export type BlockedDestinationView = Static<typeof BlockedDestinationSchema>;

export const BlockDestinationBody = Type.Object(
  {
    hostname: Type.String({ minLength: 1, maxLength: 253, description: 'e.g. phishing.example' }),
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const HostnameParams = Type.Object(
  { hostname: Type.String({ minLength: 1, maxLength: 253 }) },
  { additionalProperties: false },
);

export const BlockLinkBody = Type.Object(
  { blocked: Type.Boolean({ description: 'true: every edge answers 410 for the link; false restores it' }) },
  { additionalProperties: false },
);

export const BlockedLinkSchema = Type.Object(
  {
    id: Uuid,
    workspaceId: Uuid,
    domain: Type.String(),
    code: Type.String(),
    url: Type.String(),
    blockedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'BlockedLink', title: 'Link (as instance admins see it)' },
);
export type BlockedLinkView = Static<typeof BlockedLinkSchema>;
