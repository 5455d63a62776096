import { config, now, healthOperation } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api(healthOperation, () => ({ status: 'ok', timestamp: now(), version: config().version }));
