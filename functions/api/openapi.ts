import { openApiDocument } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api('GET /api/openapi.json', () => openApiDocument());
