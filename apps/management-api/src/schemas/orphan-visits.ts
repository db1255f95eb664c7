import { type Static, Type } from 'typebox';
import { DEFAULT_PAGE_SIZE } from './common.ts';

const Kind = Type.Union([Type.Literal('not-found'), Type.Literal('root'), Type.Literal('gone')], {
  description:
    'not-found: an unknown code; root: the bare domain without a root URL; gone: a dead link (410)',
});

export const OrphanVisitSchema = Type.Object(
  {
    domain: Type.String(),
    path: Type.Union([Type.String(), Type.Null()], {
      description:
        'The path asked for, without its query string; null for the visits an edge only counted per domain, kind and minute (past ORPHAN_VISITS_MAX_KEYS distinct paths in one flush)',
    }),
    kind: Kind,
    minute: Type.String({ format: 'date-time', description: 'The UTC minute the visits fell in' }),
    referrerHost: Type.Union([Type.String(), Type.Null()]),
    country: Type.Union([Type.String(), Type.Null()], {
      description: 'ISO 3166-1 alpha-2, null when unknown',
    }),
    bot: Type.Boolean(),
    visits: Type.Integer({ minimum: 1 }),
  },
  { $id: 'OrphanVisit', title: 'Orphan visits (requests that reached no link), counted per minute' },
);
export type OrphanVisitView = Static<typeof OrphanVisitSchema>;

export const OrphanVisitQuery = Type.Object(
  {
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'Only this domain' })),
    kind: Type.Optional(Kind),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Minutes at or after this time' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Minutes before this time' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_SIZE })),
    cursor: Type.Optional(
      Type.String({
        pattern: '^[0-9]{1,15}\\.[1-9][0-9]{0,18}$',
        description: 'nextCursor of the previous page',
      }),
    ),
  },
  { additionalProperties: false },
);
export type OrphanVisitQuery = Static<typeof OrphanVisitQuery>;
