import { tokenOwnerOf, peopleTokensDeleteOperation, revokePersonToken } from '@aiworker/core';
import { api } from '../../../lib/api.js';

export const handler = api(peopleTokensDeleteOperation, ({ params, caller }) => revokePersonToken(tokenOwnerOf(caller), params.id));
