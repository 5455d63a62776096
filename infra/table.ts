/**
 * The single DynamoDB table, as plain data. The local runtime, the LocalStack deploy script and the
 * SST stacks all build the table from this definition, so keys and indexes are declared once.
 *
 * Access patterns (no Scan on any request path):
 *   GSI1 collection:  all projects / all tasks / all agents / jobs of a task, newest or ranked order
 *   GSI2 state:       tasks by state (next backlog task = first item), agents by status
 *   GSI3 project:     tasks of a project
 *   GSI4 assignee:    tasks assigned to an agent
 *   GSI5 projectState: tasks of a project in a state (next backlog task of one project)
 */
export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
}

export interface TableDefinition {
  partitionKey: string;
  sortKey: string;
  /** Epoch seconds after which DynamoDB deletes the item (sessions, pending sign-ins). */
  timeToLiveAttribute: string;
  indexes: TableIndex[];
}

export const table: TableDefinition = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAtEpoch',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
    { name: 'gsi5', partitionKey: 'gsi5pk', sortKey: 'gsi5sk' },
  ],
};

/** Every key attribute is a string. */
export const tableAttributes = [
  table.partitionKey,
  table.sortKey,
  ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
];
