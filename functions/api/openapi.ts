import { openApiDocument, openapiOperation } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api(openapiOperation, () => openApiDocument());
