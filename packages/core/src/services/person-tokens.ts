import { hashToken, newPersonToken, personTokenIdFromToken, sameSecret } from '../auth/tokens.js';
import { actorOf, type Caller } from '../auth/authorize.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import { newId, now } from '../ids.js';
import { personTokenRepository } from '../db/person-token-repository.js';
import type { Page } from '../schemas/common.js';
import type { PersonToken, PersonTokenCreate, PersonTokenListQuery, PersonTokenRecord } from '../schemas/person-token.js';

/** Whose tokens a caller manages: the person's (`gitea:<login>`) or the admin token's (`admin`); agents have none. */
export function tokenOwnerOf(caller: Caller | undefined): string {
  if (!caller || caller.kind === 'agent') throw new ForbiddenError('Only a person (signed in, or with the admin token) has personal tokens');
  return actorOf(caller)!;
}

/** What the API shows of a token: never its hash. */
export function publicPersonToken(record: PersonTokenRecord): PersonToken {
  const { tokenHash: _hash, ...token } = record;
  return token;
}

/**
 * A person (`owner`: `admin` or `gitea:<login>`) makes a token for an MCP client of theirs. The token is
 * returned once; only its hash is stored.
 */
export async function createPersonToken(owner: string, input: PersonTokenCreate): Promise<PersonToken & { token: string }> {
  const id = newId();
  const token = newPersonToken(id);
  const record: PersonTokenRecord = { id, name: input.name, scope: input.scope, owner, createdAt: now(), tokenHash: hashToken(token) };
  await personTokenRepository.create(record);
  return { ...publicPersonToken(record), token };
}

export async function listPersonTokens(owner: string, query: PersonTokenListQuery): Promise<Page<PersonToken>> {
  const page = await personTokenRepository.listOf(owner, query);
  return { ...page, items: page.items.map(publicPersonToken) };
}

/** Revokes one of the person's own tokens; someone else's is as unknown as one that never was. */
export async function revokePersonToken(owner: string, id: string): Promise<PersonToken> {
  const deleted = await personTokenRepository.deleteOf(owner, id);
  if (!deleted) throw new NotFoundError('Token', id);
  return publicPersonToken(deleted);
}

/** The person's token a bearer token is, or UnauthorizedError: one GetItem and a hash compare. */
export async function authenticatePersonToken(token: string | undefined): Promise<PersonTokenRecord> {
  const id = token ? personTokenIdFromToken(token) : undefined;
  const record = id ? await personTokenRepository.get(id) : undefined;
  if (!record || !token || !sameSecret(hashToken(token), record.tokenHash)) throw new UnauthorizedError('Unknown or revoked token');
  return record;
}

export const isPersonToken = (token: string): boolean => personTokenIdFromToken(token) !== undefined;
