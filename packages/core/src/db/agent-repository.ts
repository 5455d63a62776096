import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AgentListQuery, AgentNotice, AgentRecord, AgentStatus } from '../schemas/agent.js';
import type { Page } from '../schemas/common.js';
import { allShards, indexEntry, indexKeys, shardOf, timeKey } from './keys.js';
import { queryPage, queryShardedPage } from './page.js';
import { documentClient } from './client.js';
import { getItem, tableName, versionedPut, type Item, type TransactItem } from './store.js';

/** Runs a conditional update: true when it went through, false when its condition refused it. */
async function conditionalUpdate(item: TransactItem): Promise<boolean> {
  try {
    await documentClient().send(new UpdateCommand(item.Update!));
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

export const agentPk = (id: string) => `AGENT#${id}`;
export const AGENT_SK = 'AGENT';
const SK = AGENT_SK;

/** The status index's partition of an agent: by status, sharded by the agent's id (liveness touches move its sort key). */
export const agentStatusPk = (agentId: string, status: AgentStatus) => `AGENT_STATUS#${status}#${shardOf(agentId)}`;
const STATUS_PK = indexKeys('status').partitionKey;
const STATUS_SK = indexKeys('status').sortKey;
/** Attribute names of the status index keys, for update expressions: `#statusPk`, `#statusSk`. */
export const statusKeyNames = { '#statusPk': STATUS_PK, '#statusSk': STATUS_SK };

/** Agents are listed by creation (written once) and, by status, sorted by when last seen, so the sweeper finds the silent ones first. */
export const agentItem = (agent: AgentRecord): Item => ({
  ...agent,
  pk: agentPk(agent.id),
  sk: SK,
  ...indexEntry('all', 'AGENTS', timeKey(agent.createdAt, agent.id)),
  ...indexEntry('status', agentStatusPk(agent.id, agent.status), agent.lastSeenAt),
});

const statusShards = (status: AgentStatus) => allShards().map((shard) => `AGENT_STATUS#${status}#${shard}`);

export const agentRepository = {
  get: (id: string) => getItem<AgentRecord>(agentPk(id), SK),
  put: (agent: AgentRecord, expectedVersion: number | undefined, extra?: Parameters<typeof versionedPut>[2]): TransactItem =>
    versionedPut(agentItem(agent), expectedVersion, extra),
  list: (query: AgentListQuery): Promise<Page<AgentRecord>> =>
    query.status
      ? queryShardedPage<AgentRecord>({ tableName: tableName(), index: 'status', partitionValues: statusShards(query.status), limit: query.limit, cursor: query.cursor })
      : queryPage<AgentRecord>({ tableName: tableName(), index: 'all', partitionValue: 'AGENTS', limit: query.limit, cursor: query.cursor }),
  /** Records activity of an agent that is not offline (one conditional update, no read): false when it is offline or gone. */
  touch: (agentId: string, at: string): Promise<boolean> => conditionalUpdate(touchAgentUpdate(agentId, at)),
  /** Forgets the notice given at `noticeAt` (a newer one stays): false when it is no longer there. */
  forgetNotice: (agentId: string, noticeAt: string): Promise<boolean> => conditionalUpdate(clearNoticeUpdate(agentId, noticeAt)),
  /** Agents of one status last seen before `before`, one shard at a time: what the lease sweeper looks at. */
  silentSince: (status: AgentStatus, shard: number, before: string, limit: number, cursor?: string): Promise<Page<AgentRecord>> =>
    queryPage<AgentRecord>({ tableName: tableName(), index: 'status', partitionValue: `AGENT_STATUS#${status}#${shard}`, sortBefore: before, limit, cursor }),
};

/** Records activity of an agent that is not offline: one conditional update, no read. False when it is offline (or gone). */
export const touchAgentUpdate = (agentId: string, at: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression: 'SET lastSeenAt = :at, #statusSk = :at, updatedAt = :at, version = version + :one',
    ConditionExpression: 'attribute_exists(pk) AND #status <> :offline',
    ExpressionAttributeNames: { '#status': 'status', '#statusSk': STATUS_SK },
    ExpressionAttributeValues: { ':at': at, ':offline': 'offline', ':one': 1 },
  },
});

/**
 * Gives the agent a task: only if it holds none (or still points at `previous`, a task this same claim
 * tried and lost a moment ago). The claim's agent half; see services/claim.ts.
 */
export const assignAgentUpdate = (agentId: string, taskId: string, at: string, previous?: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression:
      'SET currentTaskId = :taskId, #status = :busy, #statusPk = :statusPk, #statusSk = :at, lastSeenAt = :at, updatedAt = :at, version = version + :one',
    ConditionExpression: previous
      ? 'attribute_exists(pk) AND (attribute_not_exists(currentTaskId) OR currentTaskId = :previous)'
      : 'attribute_exists(pk) AND attribute_not_exists(currentTaskId)',
    ExpressionAttributeNames: { '#status': 'status', ...statusKeyNames },
    ExpressionAttributeValues: {
      ':taskId': taskId,
      ':busy': 'busy',
      ':statusPk': agentStatusPk(agentId, 'busy'),
      ':at': at,
      ':one': 1,
      ...(previous ? { ':previous': previous } : {}),
    },
  },
});

/**
 * Frees the agent from a task: only if that task is the one it holds. With `notice`, the agent is told why
 * on its next tool call (someone else took the task out of its hands).
 */
export const releaseAgentUpdate = (agentId: string, taskId: string, at: string, status: 'idle' | 'offline' = 'idle', notice?: AgentNotice): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression: `SET #status = :status, #statusPk = :statusPk, updatedAt = :at, version = version + :one${notice ? ', notice = :notice' : ''} REMOVE currentTaskId`,
    ConditionExpression: 'currentTaskId = :taskId',
    ExpressionAttributeNames: { '#status': 'status', '#statusPk': STATUS_PK },
    ExpressionAttributeValues: { ':taskId': taskId, ':status': status, ':statusPk': agentStatusPk(agentId, status), ':at': at, ':one': 1, ...(notice ? { ':notice': notice } : {}) },
  },
});

/** Forgets a notice the agent has been told (only that one: a newer notice stays). */
export const clearNoticeUpdate = (agentId: string, noticeAt: string): TransactItem => ({
  Update: {
    TableName: tableName(),
    Key: { pk: agentPk(agentId), sk: SK },
    UpdateExpression: 'SET version = version + :one REMOVE notice',
    ConditionExpression: 'notice.#at = :noticeAt',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ':noticeAt': noticeAt, ':one': 1 },
  },
});
