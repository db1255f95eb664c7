import { type Static, Type } from 'typebox';

export const Scope = Type.Union([
  Type.Literal('links:read'),
  Type.Literal('links:write'),
  Type.Literal('stats:read'),
]);

export const ApiKeySummary = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to recognise it' }),
  lastFour: Type.String({ description: 'Last four characters of the key' }),
  scopes: Type.Array(Scope),
  createdAt: Type.String({ format: 'date-time' }),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

/** An API key as the API lists it (never the key itself). */
export type ApiKeyView = Static<typeof ApiKeySummary>;
