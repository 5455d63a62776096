import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { httpEventV2 } from '../../packages/local/src/lambda-events.js';
import { openApiFile, openApiFileContents } from '../../scripts/openapi.js';
import { handler } from '../../functions/api/openapi.js';
import { openApiDocument } from '../../functions/lib/openapi.js';

describe('the OpenAPI document GET /api/openapi.json serves', () => {
  it('is the one the contract builds (run `npm run openapi` after changing the contract)', () => {
    expect(readFileSync(openApiFile, 'utf8'), 'functions/api/openapi.json is out of date: run npm run openapi').toBe(openApiFileContents());
  });

  it('is served with the running version, equal to the contract\'s document', async () => {
    const event = httpEventV2({ method: 'GET', url: new URL('https://api.example.test/api/openapi.json'), headers: { host: 'api.example.test' }, body: Buffer.alloc(0), routeKey: 'GET /api/openapi.json' });
    const response = (await handler(event, {} as Context)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });
});
