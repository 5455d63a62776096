import { clockMs, signInWithAdminToken } from '@aiworker/core';
import { authTokenOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';
import { clientAddress } from '../../lib/caller.js';
import { SESSION_COOKIE, setCookie } from '../../lib/cookies.js';

export const handler = api(authTokenOperation, async ({ body, event, setCookie: addCookie }) => {
  const { token, session } = await signInWithAdminToken(body.token, clientAddress(event));
  addCookie(setCookie(event, SESSION_COOKIE, token, (Date.parse(session.expiresAt) - clockMs()) / 1000));
  return session;
});
