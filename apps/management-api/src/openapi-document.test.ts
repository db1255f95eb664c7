import { readFileSync } from 'node:fs';
import { REGENERATE_COMMAND, renderDocument, renderSchemaTypes } from '@boltlink/api-client/generate';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from './openapi-document.ts';

const committed = (path: string) =>
  readFileSync(new URL(`../../../packages/api-client/${path}`, import.meta.url), 'utf8');

describe('the typed API client in packages/api-client', () => {
  it("is generated from the API's current OpenAPI document", async () => {
    const document = await buildOpenApiDocument();
    const stale = `packages/api-client is out of date with the API's routes: run \`${REGENERATE_COMMAND}\` and commit the result`;
    expect(committed('openapi.json') === renderDocument(document), stale).toBe(true);
    expect(committed('src/schema.ts') === (await renderSchemaTypes(document)), stale).toBe(true);
  });
});
