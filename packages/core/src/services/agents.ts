import { hashToken, newAgentToken } from '../auth/tokens.js';
import { ConflictError, NotFoundError, VersionConflictError } from '../errors.js';
import { newId, now } from '../ids.js';
import { agentItem, agentPk, agentRepository } from '../db/agent-repository.js';
import { putVersioned, transact, versionedDelete, type TransactItem } from '../db/store.js';
import type { Agent, AgentListQuery, AgentRecord, AgentRegister, AgentUpdate } from '../schemas/agent.js';
import type { Page } from '../schemas/common.js';
import { updateVersioned } from './optimistic.js';

/** What the API shows of an agent: never the token hash. */
export function publicAgent(record: AgentRecord): Agent {
  const { tokenHash: _hash, lastSeenAt: _seen, notice: _notice, ...agent } = record;
  return agent;
}

const savePut = (next: AgentRecord, current: AgentRecord) => putVersioned(agentItem(next), current.version);

export async function registerAgent(input: Omit<AgentRegister, 'scopes'> & { scopes?: AgentRegister['scopes'] }): Promise<Agent & { token: string }> {
  const id = newId();
  const token = newAgentToken(id);
  const at = now();
  const record: AgentRecord = {
    id,
    ...input,
    scopes: input.scopes ?? ['read', 'work'],
    status: 'idle',
    tokenHash: hashToken(token),
    lastSeenAt: at,
    lastHeartbeatAt: at,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  await putVersioned(agentItem(record), undefined);
  return { ...publicAgent(record), token };
}

export async function getAgentRecord(id: string): Promise<AgentRecord> {
  const agent = await agentRepository.get(id);
  if (!agent) throw new NotFoundError('Agent', id);
  return agent;
}

export const getAgent = async (id: string): Promise<Agent> => publicAgent(await getAgentRecord(id));

export async function listAgents(query: AgentListQuery): Promise<Page<Agent>> {
  const page = await agentRepository.list(query);
  return { ...page, items: page.items.map(publicAgent) };
}

export function updateAgent(id: string, input: AgentUpdate): Promise<Agent> {
  const { version, ...changes } = input;
  return updateVersioned<AgentRecord, Agent>({
    kind: 'Agent',
    id,
    expectedVersion: version,
    load: () => agentRepository.get(id),
    change: (current) => ({ ...current, ...changes }),
    save: savePut,
    result: publicAgent,
  });
}

/**
 * Records that the agent is alive: a heartbeat or any MCP tool call. An agent the sweeper marked
 * offline comes back as idle (or busy, if it still holds a task).
 */
export function touchAgent(id: string, heartbeat: boolean, loaded?: AgentRecord): Promise<Agent> {
  return updateVersioned<AgentRecord, Agent>({
    kind: 'Agent',
    id,
    load: () => agentRepository.get(id),
    // The record the token check has just read, if it is this agent's.
    current: loaded?.id === id ? loaded : undefined,
    change: (current) => {
      const at = now();
      return {
        ...current,
        status: current.currentTaskId ? 'busy' : 'idle',
        lastSeenAt: at,
        ...(heartbeat ? { lastHeartbeatAt: at } : {}),
      };
    },
    save: savePut,
    result: publicAgent,
  });
}

export const heartbeat = (id: string, loaded?: AgentRecord) => touchAgent(id, true, loaded);

/** An agent that holds a task is kept: finish or release the task first. */
export async function deleteAgent(id: string, expectedVersion?: number): Promise<Agent> {
  const agent = await getAgentRecord(id);
  if (expectedVersion !== undefined && expectedVersion !== agent.version) {
    throw new VersionConflictError('Agent', id, expectedVersion, agent.version);
  }
  if (agent.currentTaskId) {
    throw new ConflictError(`Agent '${id}' holds task '${agent.currentTaskId}'; finish or release it first`, {
      currentTaskId: agent.currentTaskId,
    });
  }
  const item: TransactItem = versionedDelete(agentPk(id), 'AGENT', agent.version);
  item.Delete!.ConditionExpression += ' AND attribute_not_exists(currentTaskId)';
  if ((await transact([item])).length) throw new VersionConflictError('Agent', id, agent.version);
  return publicAgent(agent);
}

export { authenticateAgent } from '../auth/agent-tokens.js';
