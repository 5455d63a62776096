import { config, now } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api('GET /api/health', () => ({ status: 'ok', timestamp: now(), version: config().version }));
