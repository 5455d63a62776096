import { ValidationError, clockMs, finishGiteaSignIn } from '@aiworker/core';
import { browserHandler, redirect } from '../../lib/browser.js';
import { SESSION_COOKIE, SIGN_IN_COOKIE, clearCookie, cookieOf, setCookie } from '../../lib/cookies.js';

/** Gitea sends the browser back here with `code` and `state`; on success the board opens signed in. */
export const handler = browserHandler(async (event) => {
  const query = event.queryStringParameters ?? {};
  if (query.error) throw new ValidationError(`Gitea did not sign you in: ${query.error_description ?? query.error}`);
  const { code, state } = query;
  if (!code || !state || code.length > 2000 || state.length > 200) throw new ValidationError('The sign-in answer from Gitea lacks its code or state; sign in again');
  const { token, session } = await finishGiteaSignIn({ code, state, cookie: cookieOf(event, SIGN_IN_COOKIE) });
  const maxAge = (Date.parse(session.expiresAt) - clockMs()) / 1000;
  return redirect('/', [setCookie(event, SESSION_COOKIE, token, maxAge), clearCookie(event, SIGN_IN_COOKIE)]);
});
