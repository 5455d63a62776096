import { createHash } from 'node:crypto';
import { config, type AuthConfig } from '../config.js';
import { DomainError, ForbiddenError, ValidationError } from '../errors.js';
import { countAttempt } from './rate-limits.js';
import { seal, unseal } from './sealed.js';
import { createSession } from './sessions.js';
import { generateSecret, sameSecret } from './tokens.js';
import { clockMs } from '../clock.js';

/**
 * Sign-in with Gitea: OAuth2 authorization code with PKCE (RFC 7636, S256) against the team's Gitea, which
 * is an OAuth2 provider. The pending sign-in (`state`, PKCE verifier, redirect URI, expiry) lives for ten
 * minutes in a cookie sealed with a key only the server has (auth/sealed.ts), not in the table: starting a
 * sign-in writes nothing but the per-address rate-limit counter. Gitea takes an authorization code once.
 */
const SIGN_IN_MINUTES = 10;
const GITEA_TIMEOUT_MS = 10_000;
const SEAL_PURPOSE = 'gitea sign-in';

type GiteaSettings = AuthConfig & { giteaUrl: string; giteaClientId: string };

interface PendingSignIn {
  state: string;
  codeVerifier: string;
  redirectUri: string;
  expiresAt: number;
}

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

/** The key the pending sign-in is sealed with derives from the admin token (every API function has it). */
function sealingSecret(): string {
  const secret = config().adminToken;
  if (!secret) throw new DomainError('SERVICE_UNAVAILABLE', 'Sign-in is not set up here: the AdminToken secret is not set');
  return secret;
}

const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/**
 * Where to send the browser to sign in, and the cookie that carries the pending sign-in (sealed) so only
 * this browser can finish it. Counted per client address (429 past the limit).
 */
export async function startGiteaSignIn(redirectUri: string, address?: string): Promise<{ authorizeUrl: string; cookie: string }> {
  const { giteaUrl, giteaClientId } = giteaSettings();
  await countAttempt('signInStart', address);
  const state = generateSecret();
  const codeVerifier = generateSecret() + generateSecret();
  const pending: PendingSignIn = { state, codeVerifier, redirectUri, expiresAt: clockMs() + SIGN_IN_MINUTES * 60_000 };
  const url = new URL(`${giteaUrl}/login/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: giteaClientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    state,
    code_challenge: challengeOf(codeVerifier),
    code_challenge_method: 'S256',
  }).toString();
  return { authorizeUrl: url.toString(), cookie: seal(pending, sealingSecret(), SEAL_PURPOSE) };
}

/** How long the sign-in cookie lives (the browser drops it then; the sealed expiry is checked too). */
export const SIGN_IN_COOKIE_SECONDS = SIGN_IN_MINUTES * 60;

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
      throw new ValidationError(`Gitea refused to ${what} (${response.status}); the sign-in may have expired or was already used: sign in again`);
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

/**
 * The end of the dance: the sealed cookie must be this server's, unexpired and for this `state`; then the
 * code is traded (with the PKCE verifier) for a token, and Gitea is asked who it is.
 */
export async function finishGiteaSignIn(input: { code: string; state: string; cookie: string | undefined }) {
  const settings = giteaSettings();
  if (!input.cookie) throw new ValidationError('This sign-in was started in another browser or has expired; sign in again');
  const pending = unseal<PendingSignIn>(input.cookie, sealingSecret(), SEAL_PURPOSE);
  if (!pending || typeof pending.state !== 'string' || !sameSecret(pending.state, input.state)) {
    throw new ValidationError('This sign-in was started in another browser or has expired; sign in again');
  }
  if (!(pending.expiresAt > clockMs())) throw new ValidationError('This sign-in has expired or was already used; sign in again');
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
