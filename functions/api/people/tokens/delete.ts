import { tokenOwnerOf, revokePersonToken } from '@aiworker/core';
import { peopleTokensDeleteOperation } from '../../../lib/contract.js';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensDeleteOperation, ({ params, caller }) => revokePersonToken(tokenOwnerOf(caller), params.id));
