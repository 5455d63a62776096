import { tokenOwnerOf, listPersonTokens } from '@aiworker/core';
import { peopleTokensListOperation } from '../../../lib/contract.js';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensListOperation, ({ query, caller }) => listPersonTokens(tokenOwnerOf(caller), query));
