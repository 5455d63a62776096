import type { AgentRecord } from '../schemas/agent.js';
import { AGENT_SK, agentPk, agentStatusPk, releaseAgentUpdate, statusKeyNames } from './agent-repository.js';
import { isTransactionCanceled, tableName, transact, type TransactItem } from './store.js';

/**
 * The lease sweeper's writes (services/sweeper.ts): an agent silent past its lease goes offline only if it
 * was not seen since the sweeper read it, in one transaction with the task it drops.
 */
export const leaseRepository = {
  /**
   * The agent goes offline (and lets go of the task it pointed at, if any) only if its `lastSeenAt` is still
   * the one the sweeper read.
   */
  offlineUpdate(agent: AgentRecord, at: string): TransactItem {
    if (agent.currentTaskId) {
      const item = releaseAgentUpdate(agent.id, agent.currentTaskId, at, 'offline');
      item.Update!.ConditionExpression += ' AND lastSeenAt = :seen';
      item.Update!.ExpressionAttributeValues![':seen'] = agent.lastSeenAt;
      return item;
    }
    return {
      Update: {
        TableName: tableName(),
        Key: { pk: agentPk(agent.id), sk: AGENT_SK },
        UpdateExpression: 'SET #status = :offline, #statusPk = :statusPk, updatedAt = :at, version = version + :one',
        ConditionExpression: 'lastSeenAt = :seen AND attribute_not_exists(currentTaskId)',
        ExpressionAttributeNames: { '#status': 'status', '#statusPk': statusKeyNames['#statusPk'] },
        ExpressionAttributeValues: { ':offline': 'offline', ':statusPk': agentStatusPk(agent.id, 'offline'), ':at': at, ':one': 1, ':seen': agent.lastSeenAt },
      },
    };
  },

  /** True when written; false when a guard failed or DynamoDB cancelled the transaction (another writer touched the same items). */
  async commit(items: TransactItem[]): Promise<boolean> {
    try {
      return (await transact(items)).length === 0;
    } catch (error) {
      if (isTransactionCanceled(error)) return false;
      throw error;
    }
  },
};
