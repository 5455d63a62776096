import { getBoard } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api('GET /api/board', () => getBoard());
