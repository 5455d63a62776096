import { createHash } from 'node:crypto';
import { config, type AuthConfig } from '../config.js';
import { DomainError, ForbiddenError, ValidationError } from '../errors.js';
import { sessionRepository } from '../db/session-repository.js';
import { createSession } from './sessions.js';
import { generateSecret, hashToken } from './tokens.js';

/**
 * Sign-in with Gitea: OAuth2 authorization code with PKCE (RFC 7636, S256) against the team's Gitea, which
 * is an OAuth2 provider. The pending sign-in (PKCE verifier, redirect URI) is kept in DynamoDB under a hash
 * of `state` for ten minutes and can be used once.
 */
const SIGN_IN_MINUTES = 10;
const GITEA_TIMEOUT_MS = 10_000;

type GiteaSettings = AuthConfig & { giteaUrl: string; giteaClientId: string };

function giteaSettings(): GiteaSettings {
  const auth = config().auth;
  if (!auth.giteaUrl || !auth.giteaClientId) {
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      'Sign-in with Gitea is not set up here: set GITEA_URL, AIWORKER_GITEA_CLIENT_ID and AIWORKER_GITEA_CLIENT_SECRET (or sign in with the admin token)',
    );
  }
  return auth as GiteaSettings;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** Where to send the browser to sign in, and the `state` to bind to it (the caller keeps it in a cookie). */
export async function startGiteaSignIn(redirectUri: string): Promise<{ authorizeUrl: string; state: string }> {
  const { giteaUrl, giteaClientId } = giteaSettings();
  const state = generateSecret();
  const codeVerifier = generateSecret() + generateSecret();
  const expiresAt = new Date(Date.now() + SIGN_IN_MINUTES * 60_000).toISOString();
  await sessionRepository.putSignIn(hashToken(state), { codeVerifier, redirectUri, expiresAt });
  const url = new URL(`${giteaUrl}/login/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: giteaClientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    state,
    code_challenge: challengeOf(codeVerifier),
    code_challenge_method: 'S256',
  }).toString();
  return { authorizeUrl: url.toString(), state };
}

interface GiteaUser {
  login: string;
}

async function giteaCall<T>(what: string, url: string, init: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(GITEA_TIMEOUT_MS) });
  } catch (error) {
    throw new DomainError('BAD_GATEWAY', `Gitea could not be reached to ${what}: ${(error as Error).message}; try again`);
  }
  const text = await response.text();
  if (!response.ok) {
    if (response.status === 400 || response.status === 401) {
      throw new ValidationError(`Gitea refused to ${what} (${response.status}); the sign-in link may have expired: sign in again`);
    }
    throw new DomainError('BAD_GATEWAY', `Gitea answered ${response.status} when asked to ${what}; try again`);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new DomainError('BAD_GATEWAY', `Gitea's answer when asked to ${what} was not JSON`);
  }
}

/** Who may sign in: listed logins, admins, or members of a listed organization. */
export function signInDecision(login: string, orgs: string[], auth: AuthConfig): { allowed: boolean; admin: boolean } {
  const name = login.toLowerCase();
  const admin = auth.adminLogins.includes(name);
  const member = orgs.some((org) => auth.allowedOrgs.includes(org.toLowerCase()));
  return { allowed: admin || auth.allowedLogins.includes(name) || member, admin };
}

const MAX_ORG_PAGES = 10;

async function orgsOf(giteaUrl: string, headers: Record<string, string>): Promise<string[]> {
  const orgs: string[] = [];
  for (let page = 1; page <= MAX_ORG_PAGES; page++) {
    const batch = await giteaCall<Array<{ username?: string; name?: string }>>('list your organizations', `${giteaUrl}/api/v1/user/orgs?page=${page}&limit=50`, {
      headers,
    });
    orgs.push(...batch.map((org) => org.username ?? org.name ?? '').filter(Boolean));
    if (batch.length < 50) break;
  }
  return orgs;
}

/** The end of the dance: checks `state`, trades the code (with the PKCE verifier) for a token, asks Gitea who it is. */
export async function finishGiteaSignIn(input: { code: string; state: string }) {
  const settings = giteaSettings();
  const pending = await sessionRepository.takeSignIn(hashToken(input.state));
  if (!pending) throw new ValidationError('This sign-in has expired or was already used; sign in again');
  const token = await giteaCall<{ access_token?: string }>('sign you in', `${settings.giteaUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: settings.giteaClientId,
      client_secret: settings.giteaClientSecret ?? '',
      code: input.code,
      redirect_uri: pending.redirectUri,
      code_verifier: pending.codeVerifier,
    }).toString(),
  });
  if (!token.access_token) throw new DomainError('BAD_GATEWAY', 'Gitea gave no access token');
  const headers = { authorization: `Bearer ${token.access_token}`, accept: 'application/json' };
  const user = await giteaCall<GiteaUser>('tell who you are', `${settings.giteaUrl}/api/v1/user`, { headers });
  const orgs = await orgsOf(settings.giteaUrl, headers);
  const { allowed, admin } = signInDecision(user.login, orgs, settings);
  if (!allowed) {
    throw new ForbiddenError(
      `Gitea user '${user.login}' may not use this board: ask an admin to add you to AIWORKER_ALLOWED_LOGINS or to one of the organizations in AIWORKER_ALLOWED_ORGS`,
    );
  }
  return createSession({ subject: 'gitea', login: user.login, admin });
}
