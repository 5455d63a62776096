import { sessionRepository, type SessionRecord } from '../db/session-repository.js';
import { config } from '../config.js';
import { now } from '../ids.js';
import { adminTokenMark, generateSecret, hashToken, sameSecret } from './tokens.js';
import { UnauthorizedError } from '../errors.js';
import { countAttempt } from './rate-limits.js';
import { clockMs } from '../clock.js';

/** A person signed in to the board: with the admin token (`admin`) or with Gitea (`gitea`). */
export interface Session {
  subject: 'admin' | 'gitea';
  login: string;
  admin: boolean;
  expiresAt: string;
}

const SESSION_PREFIX = 'aiws_';

/** Starts a session; returns the secret for the cookie (only its hash is stored). */
export async function createSession(who: Omit<Session, 'expiresAt'>): Promise<{ token: string; session: Session }> {
  const token = `${SESSION_PREFIX}${generateSecret()}`;
  const createdAt = now();
  const expiresAt = new Date(clockMs() + config().auth.sessionHours * 3_600_000).toISOString();
  const record: SessionRecord = { ...who, createdAt, expiresAt };
  // An admin session is bound to the admin token it was made with: rotating the token ends it.
  if (who.subject === 'admin') record.adminTokenMark = adminTokenMark(config().adminToken ?? '');
  await sessionRepository.put(hashToken(token), record);
  return { token, session: { ...who, expiresAt } };
}

/** The live session a cookie names, or undefined (unknown, expired or signed out). */
export async function findSession(token: string): Promise<Session | undefined> {
  if (!token.startsWith(SESSION_PREFIX) || token.length > 200) return undefined;
  const record = await sessionRepository.get(hashToken(token));
  if (!record) return undefined;
  if (record.subject === 'admin' && !madeWithCurrentAdminToken(record)) return undefined;
  return { subject: record.subject, login: record.login, admin: record.admin, expiresAt: record.expiresAt };
}

/** Whether an admin session was made with the admin token in force now (not one rotated away since). */
function madeWithCurrentAdminToken(record: SessionRecord): boolean {
  const adminToken = config().adminToken;
  return Boolean(adminToken && record.adminTokenMark && sameSecret(record.adminTokenMark, adminTokenMark(adminToken)));
}

export async function endSession(token: string): Promise<void> {
  if (token.startsWith(SESSION_PREFIX) && token.length <= 200) await sessionRepository.delete(hashToken(token));
}

/** `POST /api/auth/token`: the admin token, exchanged for a session (bootstrap and local use). */
export async function signInWithAdminToken(token: string, address?: string) {
  await countAttempt('tokenExchange', address);
  const adminToken = config().adminToken;
  if (!adminToken || !sameSecret(token, adminToken)) throw new UnauthorizedError('That is not the admin token');
  return createSession({ subject: 'admin', login: 'admin', admin: true });
}
