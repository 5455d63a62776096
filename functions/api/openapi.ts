import { config } from '@aiworker/core/config';
import { openapiOperation } from '../lib/contract.js';
import { api } from '../lib/api.js';
// Built from the contract by `npm run openapi` (scripts/openapi.ts), not on this function's first request;
// test/unit/openapi-document.test.ts fails while it is out of date.
import document from './openapi.json' with { type: 'json' };

export const handler = api(openapiOperation, () => ({ ...document, info: { ...document.info, version: config().version } }));
