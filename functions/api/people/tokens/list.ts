import { tokenOwnerOf, listPersonTokens, peopleTokensListOperation } from '@aiworker/core';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensListOperation, ({ query, caller }) => listPersonTokens(tokenOwnerOf(caller), query));
