import { type Static, Type } from 'typebox';
import { DEFAULT_PAGE_SIZE } from './common.ts';

export const AuditEventSchema = Type.Object(
  {
    id: Type.String({ description: 'Increasing; newer events have larger ids' }),
    action: Type.String({ description: 'e.g. link.created, member.removed (docs/workspaces.md)' }),
    target: Type.Object({ type: Type.String(), id: Type.String() }),
    actor: Type.Object({
      userId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
      email: Type.Union([Type.String(), Type.Null()], { description: 'Null once the user is gone' }),
      via: Type.Union([Type.Literal('session'), Type.Literal('apiKey')]),
      apiKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    }),
    details: Type.Record(Type.String(), Type.Unknown()),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'AuditEvent', title: 'Audit log event' },
);
export type AuditEventView = Static<typeof AuditEventSchema>;

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(
      Type.String({ pattern: '^[1-9][0-9]{0,18}$', description: 'nextCursor of the previous page' }),
    ),
  },
  { additionalProperties: false },
);
