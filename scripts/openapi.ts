/**
 * Writes the OpenAPI document (functions/lib/openapi.ts, built from the zod contract) to
 * functions/api/openapi.json, which GET /api/openapi.json serves. Built here, not on the function's first
 * request: turning every schema into JSON Schema took about 45 ms of that function's cold start. Run it after
 * changing the contract; `test/unit/openapi-document.test.ts` fails while the file is out of date.
 *
 *   npm run openapi
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../functions/lib/openapi.js';
export const openApiFile = join(dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'api', 'openapi.json');

/** The document as the file holds it: the contract's, with the version the handler fills in at run time left out. */
export function openApiFileContents(): string {
  const document = openApiDocument();
  return `${JSON.stringify({ ...document, info: { title: document.info.title } }, null, 1)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(openApiFile, openApiFileContents());
  console.log(`wrote ${openApiFile}`);
}
