import { agentRepository } from '../db/agent-repository.js';
import { UnauthorizedError } from '../errors.js';
import type { AgentRecord } from '../schemas/agent.js';
import { agentIdFromToken, hashToken, sameSecret } from './tokens.js';

/** The agent a token belongs to, or UnauthorizedError (auth/ sits below services/: it reads the agent through db/). */
export async function authenticateAgent(token: string | undefined): Promise<AgentRecord> {
  const id = token ? agentIdFromToken(token) : undefined;
  const agent = id ? await agentRepository.get(id) : undefined;
  if (!agent || !token || !sameSecret(hashToken(token), agent.tokenHash)) throw new UnauthorizedError('Unknown or revoked agent token');
  return agent;
}
