import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const AGENT_TOKEN_PREFIX = 'aiw_';
const PERSON_TOKEN_PREFIX = 'aiwp_';
const ID_LENGTH = 36;

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Equal-time comparison of two strings (by their hashes, so lengths never leak). */
export const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(Buffer.from(hashToken(a), 'hex'), Buffer.from(hashToken(b), 'hex'));

export const generateSecret = (): string => randomBytes(32).toString('base64url');

/** An agent token names its agent, so verifying it is one GetItem and a hash compare. */
export const newAgentToken = (agentId: string): string => `${AGENT_TOKEN_PREFIX}${agentId}_${generateSecret()}`;

/** A person's token for MCP names its own id the same way: `aiwp_<id>_<secret>`. */
export const newPersonToken = (tokenId: string): string => `${PERSON_TOKEN_PREFIX}${tokenId}_${generateSecret()}`;

function idFromToken(prefix: string, token: string): string | undefined {
  if (!token.startsWith(prefix)) return undefined;
  const id = token.slice(prefix.length, prefix.length + ID_LENGTH);
  if (id.length !== ID_LENGTH || token[prefix.length + ID_LENGTH] !== '_') return undefined;
  return id;
}

export const agentIdFromToken = (token: string): string | undefined => idFromToken(AGENT_TOKEN_PREFIX, token);
export const personTokenIdFromToken = (token: string): string | undefined => idFromToken(PERSON_TOKEN_PREFIX, token);

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * What an admin session records of the admin token it was made with: an HMAC keyed with the token (so the
 * table never holds anything that helps guess the token), compared on each use, so rotating the token ends
 * every session made with the old one.
 */
export const adminTokenMark = (adminToken: string): string => createHmac('sha256', adminToken).update('aiworker admin session').digest('hex');
