import { endSession, authLogoutOperation } from '@aiworker/core';
import { api } from '../../lib/api.js';
import { SESSION_COOKIE, clearCookie, cookieOf } from '../../lib/cookies.js';

export const handler = api(authLogoutOperation, async ({ event, setCookie }) => {
  const session = cookieOf(event, SESSION_COOKIE);
  if (session) await endSession(session);
  setCookie(clearCookie(event, SESSION_COOKIE));
  return { signedOut: true };
});
