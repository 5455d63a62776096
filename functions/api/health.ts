import { config, now } from '@aiworker/core';
import { healthOperation } from '../lib/contract.js';
import { api } from '../lib/api.js';

export const handler = api(healthOperation, () => ({ status: 'ok', timestamp: now(), version: config().version }));
