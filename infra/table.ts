/**
 * The single DynamoDB table, as plain data. The local runtime, the LocalStack deploy script and the
 * SST stacks all build the table from this definition, so keys and indexes are declared once.
 *
 * Built for a fleet: no partition-key value takes writes in proportion to the number of agents or
 * tasks (DynamoDB caps one partition-key value near 1,000 WCU/s and 3,000 RCU/s, and a throttled index
 * throttles the table's writes). Three rules do it:
 *   - Index keys that never change after creation (`all`, `owner`): the index item is written once,
 *     when the entity is created, never on the updates that follow.
 *   - Narrow projections: every index projects keys only (lists read the items themselves with one
 *     BatchGetItem), so an update that does not move an index key writes nothing to that index.
 *   - Fleet-wide keys that do move are sharded: `…#<shard>` with shard = hash(id) mod `shards`
 *     (task states, agent statuses, unfinished jobs, the claimable backlog); readers query every shard.
 *
 * Access patterns (no Scan on any request path); README "Data model" has the full table with costs:
 *   all          PROJECTS / TASKS / AGENTS, oldest first                       (written once per entity)
 *   owner        PROJECT_TASKS#<project> / TASK_JOBS#<task>, oldest first       (written once per entity)
 *   assignee     AGENT_TASKS#<agent>: tasks an agent worked on                  (per agent)
 *   status       TASK_STATE#<state>#<shard> ranked; AGENT_STATUS#<status>#<shard> by last seen;
 *                JOBS_OPEN#<status>#<shard> (sparse: queued and running jobs only)
 *   projectState PROJECT_STATE#<project>#<state> ranked
 *   backlog      READY#<shard> / BLOCKED#<shard> ranked (sparse: backlog tasks only) — what a claim reads
 *   projectBacklog READY#<project> / BLOCKED#<project> ranked (sparse: backlog tasks only)
 *
 * `legacyIndexes` are the indexes of the first layout (gsi1…gsi5); `npm start` and `scripts/migrate.ts`
 * add the new indexes next to them and move every item over (an additive, idempotent migration).
 */
export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
  /** Non-key attributes copied into the index (INCLUDE); none means KEYS_ONLY. */
  include?: string[];
}

export interface TableDefinition {
  partitionKey: string;
  sortKey: string;
  /** Epoch seconds after which DynamoDB deletes the item (sessions, pending sign-ins). */
  timeToLiveAttribute: string;
  indexes: TableIndex[];
  /** Shards of every sharded index key. */
  shards: number;
}

const index = (name: string, include?: string[]): TableIndex => ({ name, partitionKey: `${name}Pk`, sortKey: `${name}Sk`, ...(include ? { include } : {}) });

export const table: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  shards: 8,
  timeToLiveAttribute: 'expiresAtEpoch',
  indexes: [
    index('all'),
    index('owner'),
    index('assignee', ['projectId', 'state']),
    index('status'),
    index('projectState'),
    index('backlog', ['projectId']),
    index('projectBacklog'),
  ],
};

/** The first layout's key attributes (all projected ALL); only the migration reads them. */
export const legacyIndexes: TableIndex[] = [1, 2, 3, 4, 5].map((n) => ({ name: `gsi${n}`, partitionKey: `gsi${n}pk`, sortKey: `gsi${n}sk` }));

/** Every key attribute is a string. */
export const tableAttributes = [
  table.partitionKey,
  table.sortKey,
  ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];
