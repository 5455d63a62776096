import { endSession } from '@aiworker/core';
import { authLogoutOperation } from '../../lib/contract.js';
import { api } from '../../lib/api.js';
import { assertSameOrigin } from '../../lib/caller.js';
import { SESSION_COOKIE, clearCookie, cookieOf } from '../../lib/cookies.js';

/** Ending a session is a write made with the cookie: CSRF-checked like the others (no forced sign-out from another site). */
export const handler = api(authLogoutOperation, async ({ event, setCookie }) => {
  const session = cookieOf(event, SESSION_COOKIE);
  if (session) {
    assertSameOrigin(event);
    await endSession(session);
  }
  setCookie(clearCookie(event, SESSION_COOKIE));
  return { signedOut: true };
});
