import { tokenOwnerOf, createPersonToken } from '@aiworker/core';
import { peopleTokensCreateOperation } from '../../../lib/contract.js';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensCreateOperation, ({ body, caller }) => createPersonToken(tokenOwnerOf(caller), body));
