import { getBoard, boardOperation } from '@aiworker/core';
import { api } from '../lib/api.js';

export const handler = api(boardOperation, () => getBoard());
