import { openapiOperation } from '../lib/contract.js';
import { openApiDocument } from '../lib/openapi.js';
import { api } from '../lib/api.js';

export const handler = api(openapiOperation, () => openApiDocument());
