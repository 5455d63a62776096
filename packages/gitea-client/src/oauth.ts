/**
 * Gitea's side of "sign in with Gitea": OAuth2 authorization code with PKCE (RFC 7636, S256) against the
 * team's Gitea, an OAuth2 provider. What the pending sign-in holds and who may sign in is core's
 * (auth/gitea-signin.ts); this module knows Gitea's endpoints and what their answers mean.
 */
const GITEA_TIMEOUT_MS = 10_000;
const ORG_PAGE_SIZE = 50;
const MAX_ORG_PAGES = 10;

/** The OAuth2 application registered in Gitea for this deployment. */
export interface GiteaOAuthApp {
  giteaUrl: string;
  clientId: string;
  clientSecret?: string;
}

/** A sign-in Gitea would not finish. */
export class GiteaSignInError extends Error {
  override readonly name = 'GiteaSignInError';
  constructor(
    message: string,
    /** Gitea refused the code (expired, or already used): the person signs in again. Otherwise Gitea failed or could not be reached. */
    readonly refused: boolean,
  ) {
    super(message);
  }
}

/** Gitea's authorize page for this sign-in: the browser goes there, and comes back to `redirectUri` with a code. */
export function giteaAuthorizeUrl(app: GiteaOAuthApp, sign: { redirectUri: string; state: string; codeChallenge: string }): string {
  const url = new URL(`${app.giteaUrl}/login/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: sign.redirectUri,
    response_type: 'code',
    state: sign.state,
    code_challenge: sign.codeChallenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

async function giteaCall<T>(what: string, url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(GITEA_TIMEOUT_MS) });
  } catch (error) {
    throw new GiteaSignInError(`Gitea could not be reached to ${what}: ${(error as Error).message}; try again`, false);
  }
  const text = await response.text();
  if (!response.ok) {
    if (response.status === 400 || response.status === 401) {
      throw new GiteaSignInError(`Gitea refused to ${what} (${response.status}); the sign-in may have expired or was already used: sign in again`, true);
    }
    throw new GiteaSignInError(`Gitea answered ${response.status} when asked to ${what}; try again`, false);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new GiteaSignInError(`Gitea's answer when asked to ${what} was not JSON`, false);
  }
}

async function orgsOf(giteaUrl: string, headers: Record<string, string>): Promise<string[]> {
  const orgs: string[] = [];
  for (let page = 1; page <= MAX_ORG_PAGES; page++) {
    const batch = await giteaCall<Array<{ username?: string; name?: string }>>(
      'list your organizations',
      `${giteaUrl}/api/v1/user/orgs?page=${page}&limit=${ORG_PAGE_SIZE}`,
      { headers },
    );
    orgs.push(...batch.map((org) => org.username ?? org.name ?? '').filter(Boolean));
    if (batch.length < ORG_PAGE_SIZE) break;
  }
  return orgs;
}

/**
 * The end of the dance on Gitea's side: the code is traded (with the PKCE verifier) for a token, and Gitea
 * is asked who it is and which organizations it belongs to. Gitea takes a code once.
 */
export async function giteaSignIn(app: GiteaOAuthApp, grant: { code: string; redirectUri: string; codeVerifier: string }): Promise<{ login: string; orgs: string[] }> {
  const token = await giteaCall<{ access_token?: string }>('sign you in', `${app.giteaUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret ?? '',
      code: grant.code,
      redirect_uri: grant.redirectUri,
      code_verifier: grant.codeVerifier,
    }).toString(),
  });
  if (!token.access_token) throw new GiteaSignInError('Gitea gave no access token', false);
  const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
  const user = await giteaCall<{ login: string }>('tell who you are', `${app.giteaUrl}/api/v1/user`, { headers });
  return { login: user.login, orgs: await orgsOf(app.giteaUrl, headers) };
}
