import { config } from '../config.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { authenticateAgent } from '../services/agents.js';
import { bearerToken, sameSecret } from './tokens.js';

export type Caller = { kind: 'admin' } | { kind: 'agent'; agentId: string };

/**
 * Who is calling. `admin` routes take only the admin token; `agent` routes also take the token of
 * the agent they name (`agentId`).
 *
 * A token that matches nobody is 401 (with the WWW-Authenticate challenge), whatever it looks like;
 * 403 is only for a caller we know — a valid agent token — asking for what it may not do.
 */
export async function authorize(header: string | undefined, mode: 'admin' | 'agent' | 'none', agentId?: string): Promise<Caller | undefined> {
  if (mode === 'none') return undefined;
  const token = bearerToken(header);
  if (!token) throw new UnauthorizedError();
  const adminToken = config().adminToken;
  if (adminToken && sameSecret(token, adminToken)) return { kind: 'admin' };
  const agent = await authenticateAgent(token).catch(() => {
    throw new UnauthorizedError('Invalid bearer token');
  });
  if (mode === 'admin') throw new ForbiddenError('Agent tokens may not call this endpoint; use the admin token');
  if (agent.id !== agentId) throw new ForbiddenError('An agent token may only act for its own agent');
  return { kind: 'agent', agentId: agent.id };
}
