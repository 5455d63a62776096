import type { AgentListQuery, AgentRecord, AgentStatus } from '../schemas/agent.js';
import type { Page } from '../schemas/common.js';
import { timeKey } from './keys.js';
import { queryPage } from './page.js';
import { getItem, tableName, versionedPut, type Item, type TransactItem } from './store.js';

export const agentPk = (id: string) => `AGENT#${id}`;
const SK = 'AGENT';

/** gsi2 sorts agents of one status by when they were last seen, so the sweeper finds the silent ones first. */
export const agentItem = (agent: AgentRecord): Item => ({
  ...agent,
  pk: agentPk(agent.id),
  sk: SK,
  gsi1pk: 'AGENTS',
  gsi1sk: timeKey(agent.createdAt, agent.id),
  gsi2pk: `AGENT_STATUS#${agent.status}`,
  gsi2sk: agent.lastSeenAt,
});

export const agentRepository = {
  get: (id: string) => getItem<AgentRecord>(agentPk(id), SK),
  put: (agent: AgentRecord, expectedVersion: number | undefined, extra?: Parameters<typeof versionedPut>[2]): TransactItem =>
    versionedPut(agentItem(agent), expectedVersion, extra),
  list: (query: AgentListQuery): Promise<Page<AgentRecord>> =>
    queryPage<AgentRecord>({
      tableName: tableName(),
      index: query.status ? 'gsi2' : 'gsi1',
      partitionValue: query.status ? `AGENT_STATUS#${query.status}` : 'AGENTS',
      limit: query.limit,
      cursor: query.cursor,
    }),
  /** Agents of one status last seen before `before` (gsi2sk is lastSeenAt): what the lease sweeper looks at. */
  silentSince: (status: AgentStatus, before: string, limit: number, cursor?: string): Promise<Page<AgentRecord>> =>
    queryPage<AgentRecord>({ tableName: tableName(), index: 'gsi2', partitionValue: `AGENT_STATUS#${status}`, sortBefore: before, limit, cursor }),
};

/** Records activity of an agent that is not offline: one conditional update, no read. False when it is offline (or gone). */
export const touchAgentUpdate = (agentId: string, at: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression: 'SET lastSeenAt = :at, gsi2sk = :at, updatedAt = :at, version = version + :one',
    ConditionExpression: 'attribute_exists(pk) AND #status <> :offline',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':at': at, ':offline': 'offline', ':one': 1 },
  },
});

/** Gives the agent a task: only if it holds none. Part of the claim transaction. */
export const assignAgentUpdate = (agentId: string, taskId: string, at: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression:
      'SET currentTaskId = :taskId, #status = :busy, gsi2pk = :gsi2pk, gsi2sk = :at, lastSeenAt = :at, updatedAt = :at, version = version + :one',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(currentTaskId)',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':taskId': taskId, ':busy': 'busy', ':gsi2pk': 'AGENT_STATUS#busy', ':at': at, ':one': 1 },
  },
});

/** Frees the agent from a task: only if that task is the one it holds. */
export const releaseAgentUpdate = (agentId: string, taskId: string, at: string, status: 'idle' | 'offline' = 'idle'): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression: 'SET #status = :status, gsi2pk = :gsi2pk, updatedAt = :at, version = version + :one REMOVE currentTaskId',
    ConditionExpression: 'currentTaskId = :taskId',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':taskId': taskId, ':status': status, ':gsi2pk': `AGENT_STATUS#${status}`, ':at': at, ':one': 1 },
  },
});
