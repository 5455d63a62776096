import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Task, TaskEvent } from '../schemas/task.js';
import { assignAgentUpdate, releaseAgentUpdate } from './agent-repository.js';
import { documentClient } from './client.js';
import { indexKeys, stripKeys } from './keys.js';
import { tableName } from './store.js';
import { fromItem, internalOf, TASK_SK, taskPartitions, taskPk, taskRepository, withInternal, type StoredTask } from './task-repository.js';

/**
 * The claim's reads and writes (services/claim.ts decides, this file speaks DynamoDB):
 *  - candidates: pages of the sparse claimable indexes (`backlog` sharded, `projectBacklog` per project);
 *  - the claim's two single-item conditional writes, the agent's and the task's, and the agent's release.
 */

/** A claimable task as the index lists it: keys, rank and project only. */
export interface Candidate {
  id: string;
  projectId: string;
  rank: string;
}

/** Where a claim looks: one project's claimable partition, or one shard of everyone's. */
export type CandidatePartition = { projectId: string } | { shard: number };

export interface CandidatePage {
  candidates: Candidate[];
  startKey?: Record<string, unknown>;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Runs a conditional write: true when it went through, false when its condition refused it. */
async function conditional(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** The `claimed` event a claim keeps in the task item (its key fixed, so writing it out twice writes one item). */
const claimEvent = (taskId: string, agentId: string, at: string): TaskEvent & { key: string } => ({
  taskId,
  at,
  type: 'claimed',
  from: 'backlog',
  to: 'in_progress',
  agentId,
  actor: `agent:${agentId}`,
  message: `Agent ${agentId} claimed the task`,
  key: `claimed-${agentId}`,
});

/**
 * The task as the claim left it, from the item as it was before (ReturnValues ALL_OLD) and exactly what the
 * update below SETs and REMOVEs: the answer does not carry back the event the claim just stored (bench
 * section `claim-writes` compares the two; within its noise they cost the same on DynamoDB Local).
 */
function asClaimed(before: Record<string, unknown>, agentId: string, at: string): StoredTask {
  const task = fromItem(stripKeys(before));
  const internal = internalOf(task);
  const claimed: Task = { ...task, state: 'in_progress', assignedAgentId: agentId, claimedAt: at, updatedAt: at, version: task.version + 1 };
  delete claimed.question;
  return withInternal(claimed, { ...internal, pendingEvents: [...(internal.pendingEvents ?? []), claimEvent(task.id, agentId, at)] });
}

/** The claim's task half: one conditional UpdateItem that moves the task and its index keys, and keeps the event in the item (`returnValues` other than ALL_OLD: for the bench only). */
export function claimTaskUpdate(candidate: Pick<Candidate, 'id' | 'projectId'>, agentId: string, at: string, returnValues: 'ALL_OLD' | 'ALL_NEW' = 'ALL_OLD') {
  const key = (name: Parameters<typeof indexKeys>[0]) => indexKeys(name);
  const event = claimEvent(candidate.id, agentId, at);
  return {
    TableName: tableName(),
    Key: { pk: taskPk(candidate.id), sk: TASK_SK },
    UpdateExpression:
      // claimedAt: the claim a job asked for under is recorded on the job (fencing of stale job results).
      'SET #state = :inProgress, assignedAgentId = :agent, claimedAt = :at, updatedAt = :at, version = version + :one, ' +
      'pendingEvents = list_append(if_not_exists(pendingEvents, :none), :events), ' +
      '#assigneePk = :assigneePk, #assigneeSk = #allSk, #statusPk = :statusPk, #projectStatePk = :projectStatePk ' +
      'REMOVE #backlogPk, #backlogSk, #projectBacklogPk, #projectBacklogSk, question',
    ConditionExpression: '#state = :backlog AND (attribute_not_exists(openDependencies) OR openDependencies = :zero) AND attribute_not_exists(held)',
    ExpressionAttributeNames: {
      '#state': 'state',
      '#assigneePk': key('assignee').partitionKey,
      '#assigneeSk': key('assignee').sortKey,
      '#allSk': key('all').sortKey,
      '#statusPk': key('status').partitionKey,
      '#projectStatePk': key('projectState').partitionKey,
      '#backlogPk': key('backlog').partitionKey,
      '#backlogSk': key('backlog').sortKey,
      '#projectBacklogPk': key('projectBacklog').partitionKey,
      '#projectBacklogSk': key('projectBacklog').sortKey,
    },
    ExpressionAttributeValues: {
      ':inProgress': 'in_progress',
      ':backlog': 'backlog',
      ':agent': agentId,
      ':at': at,
      ':one': 1,
      ':zero': 0,
      ':none': [],
      ':events': [event],
      ':assigneePk': taskPartitions.assignee(agentId),
      ':statusPk': taskPartitions.status('in_progress', candidate.id),
      ':projectStatePk': taskPartitions.projectState(candidate.projectId, 'in_progress'),
    },
    ReturnValues: returnValues,
  };
}

export const claimRepository = {
  /**
   * One page of claimable tasks of a partition, best first (`limit` at most, from `startKey`). The
   * `backlog` index projects each task's project; `projectBacklog` (keys only) is one project's partition.
   */
  candidates: async (partition: CandidatePartition, limit: number, startKey?: Record<string, unknown>): Promise<CandidatePage> => {
    const index = 'projectId' in partition ? 'projectBacklog' : 'backlog';
    const value = 'projectId' in partition ? taskPartitions.projectBacklog('READY', partition.projectId) : taskPartitions.backlog('READY', partition.shard);
    const { partitionKey, sortKey } = indexKeys(index);
    const result = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: index,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: { ':pk': value },
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    );
    const candidates = (result.Items ?? []).map((item) => ({
      id: String(item.pk).slice(taskPk('').length),
      projectId: 'projectId' in partition ? partition.projectId : String(item.projectId),
      rank: String(item[sortKey]),
    }));
    return { candidates, ...(result.LastEvaluatedKey ? { startKey: result.LastEvaluatedKey } : {}) };
  },

  /** The claim's agent half: the agent points at the task and is busy (lastSeenAt with it); false when it holds another task. */
  assignAgent: (agentId: string, taskId: string, at: string, previous?: string): Promise<boolean> =>
    conditional(() => documentClient().send(new UpdateCommand(assignAgentUpdate(agentId, taskId, at, previous).Update!))),

  /**
   * The claim's task half: the task as the claim left it (text not joined yet), or undefined when it was no
   * longer claimable (someone else took it, a dependency opened, a person held it).
   */
  claimTask: async (candidate: Pick<Candidate, 'id' | 'projectId'>, agentId: string, at: string): Promise<StoredTask | undefined> => {
    let before: Record<string, unknown> | undefined;
    const won = await conditional(async () => {
      before = (await documentClient().send(new UpdateCommand(claimTaskUpdate(candidate, agentId, at)))).Attributes ?? {};
    });
    return won ? asClaimed(before!, agentId, at) : undefined;
  },

  /** The claim's answer carries the task's text (a read only for a task that has any). */
  withText: (task: StoredTask): Promise<StoredTask> => taskRepository.withText(task),

  /** Clears the agent's pointer at a task (only if it still points there); false when it had moved on. */
  releaseAgent: (agentId: string, taskId: string, at: string): Promise<boolean> =>
    conditional(() => documentClient().send(new UpdateCommand(releaseAgentUpdate(agentId, taskId, at).Update!))),
};
