import { SIGN_IN_COOKIE_SECONDS, config, startGiteaSignIn } from '@aiworker/core';
import { browserHandler, publicOrigin, redirect } from '../../lib/browser.js';
import { clientAddress } from '../../lib/caller.js';
import { SIGN_IN_COOKIE, setCookie } from '../../lib/cookies.js';

/** Sends the browser to Gitea's authorize page; the pending sign-in goes in a sealed cookie so only this browser can finish. */
export const handler = browserHandler(async (event) => {
  const redirectUri = `${publicOrigin(event, config().auth.publicUrl)}/api/auth/gitea/callback`;
  const { authorizeUrl, cookie } = await startGiteaSignIn(redirectUri, clientAddress(event));
  return redirect(authorizeUrl, [setCookie(event, SIGN_IN_COOKIE, cookie, SIGN_IN_COOKIE_SECONDS)]);
});
