import { getBoard } from '@aiworker/core';
import { boardOperation } from '../lib/contract.js';
import { api } from '../lib/api.js';

export const handler = api(boardOperation, () => getBoard());
