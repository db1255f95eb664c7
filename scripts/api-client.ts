// Writes packages/api-client/openapi.json and src/schema.ts from the OpenAPI document the management API
// builds in-process (no database, Redis or port needed). `--check` fails (exit 1) when they are out of date;
// apps/management-api/src/openapi-document.test.ts checks the same in `make test`.
import { readFileSync, writeFileSync } from 'node:fs';
import { buildOpenApiDocument } from '../apps/management-api/src/openapi-document.ts';
import {
  REGENERATE_COMMAND,
  renderDocument,
  renderSchemaTypes,
} from '../packages/api-client/src/generate.ts';

const documentPath = new URL('../packages/api-client/openapi.json', import.meta.url);
const schemaPath = new URL('../packages/api-client/src/schema.ts', import.meta.url);

const document = await buildOpenApiDocument();
const files = [
  [documentPath, renderDocument(document)],
  [schemaPath, await renderSchemaTypes(document)],
] as const;
const read = (path: URL) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

if (process.argv.includes('--check')) {
  const stale = files.filter(([path, text]) => read(path) !== text).map(([path]) => path.pathname);
  if (stale.length > 0) {
    console.error(`out of date: ${stale.join(', ')}; run \`${REGENERATE_COMMAND}\``);
    process.exit(1);
  }
  console.log('packages/api-client is up to date with the API');
} else {
  for (const [path, text] of files) writeFileSync(path, text);
  console.log('packages/api-client: openapi.json and src/schema.ts written');
}
