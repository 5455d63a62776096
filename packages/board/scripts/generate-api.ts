/**
 * The board's API types, generated at build time from the project's own OpenAPI document (functions/lib/openapi.ts, built from
 * the zod schemas the handlers validate with): src/api/schema.d.ts, never written by hand and not committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { openApiDocument } from '../../../functions/lib/openapi.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'api', 'schema.d.ts');

export async function generateApiTypes(): Promise<string> {
  const document = openApiDocument();
  const ast = await openapiTS(JSON.parse(JSON.stringify(document)), { silent: true });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `/* Generated from GET /api/openapi.json by packages/board/scripts/generate-api.ts: do not edit. */\n${astToString(ast)}`);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await generateApiTypes();
}
