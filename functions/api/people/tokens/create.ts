import { tokenOwnerOf, createPersonToken, peopleTokensCreateOperation } from '@aiworker/core';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensCreateOperation, ({ body, caller }) => createPersonToken(tokenOwnerOf(caller), body));
