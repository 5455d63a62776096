import { createHash } from 'node:crypto';
import { GiteaSignInError, giteaAuthorizeUrl, giteaSignIn } from '@aiworker/gitea-client/oauth';
import { config, type AuthConfig } from '../config.js';
import { DomainError, ForbiddenError, ValidationError } from '../errors.js';
import { countAttempt } from './rate-limits.js';
import { seal, unseal } from './sealed.js';
import { createSession } from './sessions.js';
import { generateSecret, sameSecret } from './tokens.js';
import { clockMs } from '../clock.js';

/**
 * Sign-in with Gitea: OAuth2 authorization code with PKCE (RFC 7636, S256) against the team's Gitea, which
 * is an OAuth2 provider (its endpoints and answers: @aiworker/gitea-client/oauth). The pending sign-in
 * (`state`, PKCE verifier, redirect URI, expiry) lives for ten minutes in a cookie sealed with a key only the
 * server has (auth/sealed.ts), not in the table: starting a sign-in writes nothing but the per-address
 * rate-limit counter. Gitea takes an authorization code once.
 */
const SIGN_IN_MINUTES = 10;
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
 * this browser can finish it. Counted per client address (RateLimitedError past the limit).
 */
export async function startGiteaSignIn(redirectUri: string, address?: string): Promise<{ authorizeUrl: string; cookie: string }> {
  const { giteaUrl, giteaClientId } = giteaSettings();
  await countAttempt('signInStart', address);
  const state = generateSecret();
  const codeVerifier = generateSecret() + generateSecret();
  const pending: PendingSignIn = { state, codeVerifier, redirectUri, expiresAt: clockMs() + SIGN_IN_MINUTES * 60_000 };
  const authorizeUrl = giteaAuthorizeUrl({ giteaUrl, clientId: giteaClientId }, { redirectUri, state, codeChallenge: challengeOf(codeVerifier) });
  return { authorizeUrl, cookie: seal(pending, sealingSecret(), SEAL_PURPOSE) };
}

/** How long the sign-in cookie lives (the browser drops it then; the sealed expiry is checked too). */
export const SIGN_IN_COOKIE_SECONDS = SIGN_IN_MINUTES * 60;

/** Gitea's refusal of the code is the person's to fix (sign in again); any other failure is Gitea's (BAD_GATEWAY). */
function signInFailure(error: unknown): unknown {
  if (!(error instanceof GiteaSignInError)) return error;
  return error.refused ? new ValidationError(error.message) : new DomainError('BAD_GATEWAY', error.message);
}

/** Who may sign in: listed logins, admins, or members of a listed organization. */
export function signInDecision(login: string, orgs: string[], auth: AuthConfig): { allowed: boolean; admin: boolean } {
  const name = login.toLowerCase();
  const admin = auth.adminLogins.includes(name);
  const member = orgs.some((org) => auth.allowedOrgs.includes(org.toLowerCase()));
  return { allowed: admin || auth.allowedLogins.includes(name) || member, admin };
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
  const app = { giteaUrl: settings.giteaUrl, clientId: settings.giteaClientId, clientSecret: settings.giteaClientSecret };
  const user = await giteaSignIn(app, { code: input.code, redirectUri: pending.redirectUri, codeVerifier: pending.codeVerifier }).catch((error: unknown) => {
    throw signInFailure(error);
  });
  const { allowed, admin } = signInDecision(user.login, user.orgs, settings);
  if (!allowed) {
    throw new ForbiddenError(
      `Gitea user '${user.login}' may not use this board: ask an admin to add you to AIWORKER_ALLOWED_LOGINS or to one of the organizations in AIWORKER_ALLOWED_ORGS`,
    );
  }
  return createSession({ subject: 'gitea', login: user.login, admin });
}
