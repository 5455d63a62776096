import { config, startGiteaSignIn } from '@aiworker/core';
import { browserHandler, publicOrigin, redirect } from '../../lib/browser.js';
import { SIGN_IN_COOKIE, setCookie } from '../../lib/cookies.js';

/** Sends the browser to Gitea's authorize page; the `state` is also kept in a cookie so only this browser can finish. */
export const handler = browserHandler(async (event) => {
  const redirectUri = `${publicOrigin(event, config().auth.publicUrl)}/api/auth/gitea/callback`;
  const { authorizeUrl, state } = await startGiteaSignIn(redirectUri);
  return redirect(authorizeUrl, [setCookie(event, SIGN_IN_COOKIE, state, 600)]);
});
